#!/usr/bin/env bash
# Regenerate leonet's dish protocol code from the real dish's reflection dump (src/leonet/dish/protos/*.protoset,
# see src/leonet/dish/protos/README.md for its source). Needs grpcio-tools (a dev dependency).
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
set_file=$(ls src/leonet/dish/protos/*.protoset | sort | tail -1)
out=src/leonet/dish/_generated
rm -rf "$out" && mkdir -p "$out"
files=$("$py" - "$set_file" <<'PY'
import sys
from google.protobuf import descriptor_pb2
s = descriptor_pb2.FileDescriptorSet()
s.ParseFromString(open(sys.argv[1], "rb").read())
print(" ".join(f.name for f in s.file if not f.name.startswith("google/")))
PY
)
# shellcheck disable=SC2086
"$py" -m grpc_tools.protoc --descriptor_set_in="$set_file" --python_out="$out" --grpc_python_out="$out" $files
find "$out" -type d -exec touch {}/__init__.py \;
# Absolute imports of the generated modules → imports inside the leonet package.
find "$out" -name "*.py" -exec sed -i "s/^from spacex_api\./from leonet.dish._generated.spacex_api./" {} +
