#!/usr/bin/env bash
# Regenerate leonet's dish protocol code from src/leonet/dish/protos (needs grpcio-tools, a dev dependency).
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/leonet/dish/_generated
rm -rf "$out" && mkdir -p "$out"
.venv/bin/python -m grpc_tools.protoc -I src/leonet/dish/protos --python_out="$out" --grpc_python_out="$out" \
  $(cd src/leonet/dish/protos && find . -name '*.proto' | sed 's|^\./||')
find "$out" -type d -exec touch {}/__init__.py \;
# Absolute imports of the generated modules → imports inside the leonet package.
find "$out" -name "*.py" -exec sed -i "s/^from spacex_api\./from leonet.dish._generated.spacex_api./" {} +
