# gRPC's C core reads its log settings when grpc is imported: set them first.
from shared import logs

logs.quiet_grpc_core()

from services.identity.service import definition  # noqa: E402
from shared.service import main  # noqa: E402

main(definition())
