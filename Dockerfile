# One image for all five services and the web portal; docker-compose.yml picks one by command.
# The portal's browser assets (htmx, ECharts) from their npm packages, pinned by the lock file
# (the same ones `make web-vendor` copies; axe-core is for the tests and stays out).
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt
COPY protos ./protos
RUN mkdir gen && python -m grpc_tools.protoc -Iprotos --python_out=gen --pyi_out=gen --grpc_python_out=gen \
      $(find protos -name '*.proto') \
 && python -c 'import sysconfig,pathlib; pathlib.Path(sysconfig.get_paths()["purelib"], "lianxin.pth").write_text("/app\n/app/gen\n")'
COPY shared ./shared
COPY services ./services
COPY portal ./portal
COPY --from=web /web/node_modules/htmx.org/dist/htmx.min.js /web/node_modules/echarts/dist/echarts.min.js \
     ./portal/static/vendor/
COPY deploy/regions ./deploy/regions
COPY deploy/tiers ./deploy/tiers
COPY deploy/demo ./deploy/demo
RUN useradd --system --uid 10001 lianxin && mkdir -p /app/var && chown lianxin /app/var
USER lianxin
# Each service applies its own migrations at start, then serves.
CMD ["python", "-m", "services.roster"]
