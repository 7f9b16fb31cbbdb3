"""The gRPC edge every Lianxin service shares: server builder, interceptors, error mapping."""
from shared.rpc.context import current_principal
from shared.rpc.server import GrpcEdge, build_server

__all__ = ["GrpcEdge", "build_server", "current_principal"]
