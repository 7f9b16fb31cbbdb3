"""The web portal: server-rendered pages for citizens (and, later, staff, deputies and
departments) over the services' gRPC APIs. It holds no tables and no business rules: every
page is one or a few RPCs and a template. Layout:

  settings.py   PortalSettings and load() (environment over deployment file over defaults)
  backends.py   the gRPC channels to the services, the portal's system token, call metadata
  security.py   security headers, the device cookie, CSRF tokens
  i18n/         every user-visible string (zh_CN.py), date and number formatting
  pages/        one module per audience; each exports ``routes`` (pages/__init__.py lists them)
  templates/    Jinja2 templates (autoescaped); layout.html is every page's frame
  static/       CSS; static/vendor/ is filled by ``make web-vendor`` (htmx, echarts, axe-core)
  app.py        create_app(): the Starlette application
"""
