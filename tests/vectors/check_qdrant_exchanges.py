#!/usr/bin/env python3
"""Checks Qdrant API exchanges against Qdrant's published OpenAPI schemas.

Usage: check_qdrant_exchanges.py EXCHANGES.jsonl SCHEMA.json [SCHEMA.json ...]

EXCHANGES.jsonl is what `twin server --qdrant-log` writes: one JSON object a line with "method",
"path", "request" (the body, or null), "status" and "response". Each exchange is checked against
every schema that has its operation: the request body against the operation's requestBody schema,
the response against the schema of its status (or "default", Qdrant's ErrorResponse). An exchange
whose path no schema knows is an error, so that an endpoint twin invents is noticed.

OpenAPI 3.0's `nullable: true` is rewritten into JSON Schema's type lists before validating.
Prints one line per problem and a summary; exits 1 when any exchange does not conform.
"""
import json
import re
import sys

import jsonschema


def nullable_to_json_schema(node):
    """OpenAPI 3.0 `type: X, nullable: true` as JSON Schema `type: [X, "null"]`."""
    if isinstance(node, dict):
        out = {key: nullable_to_json_schema(value) for key, value in node.items()}
        if out.pop("nullable", False):
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = types + ["null"]
            elif not any(k in out for k in ("$ref", "anyOf", "oneOf", "allOf")):
                out["type"] = "null"
            else:
                out = {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [nullable_to_json_schema(value) for value in node]
    return node


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        self.name = path.rsplit("/", 1)[-1]
        self.components = nullable_to_json_schema(raw["components"])
        self.operations = []
        for template, methods in raw["paths"].items():
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
            for method, operation in methods.items():
                self.operations.append((re.compile(pattern), template, method.upper(), operation))
        # Literal paths before templated ones: /collections/x/points/search is not points/{id}.
        self.operations.sort(key=lambda op: op[1].count("{"))

    def find(self, method, path):
        for pattern, template, op_method, operation in self.operations:
            if op_method == method and pattern.match(path):
                return template, operation
        return None, None

    def validate(self, schema, value):
        root = dict(nullable_to_json_schema(schema))
        root["components"] = self.components
        validator = jsonschema.Draft7Validator(root)
        return [error.message for error in validator.iter_errors(value)]


def json_schema_of(content_holder):
    content = (content_holder or {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def check(exchange, spec):
    template, operation = spec.find(exchange["method"], exchange["path"])
    if operation is None:
        return None
    problems = []
    request_schema = json_schema_of(operation.get("requestBody"))
    if request_schema is not None and exchange.get("request") is not None:
        for message in spec.validate(request_schema, exchange["request"]):
            problems.append(f"request: {message}")
    responses = operation.get("responses", {})
    response = responses.get(str(exchange["status"])) or responses.get("default")
    response_schema = json_schema_of(response)
    if response is None:
        problems.append(f"status {exchange['status']} is not one the schema lists")
    elif response_schema is not None and isinstance(exchange.get("response"), (dict, list)):
        for message in spec.validate(response_schema, exchange["response"]):
            problems.append(f"response {exchange['status']}: {message}")
    return template, problems


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    specs = [Spec(path) for path in sys.argv[2:]]
    failures = 0
    checked = 0
    with open(sys.argv[1], encoding="utf-8") as f:
        exchanges = [json.loads(line) for line in f if line.strip()]
    for number, exchange in enumerate(exchanges, 1):
        if exchange["path"] in ("/healthz", "/livez", "/readyz"):
            continue
        known = False
        for spec in specs:
            result = check(exchange, spec)
            if result is None:
                continue
            known = True
            checked += 1
            template, problems = result
            for problem in problems:
                failures += 1
                print(f"{number}: {exchange['method']} {exchange['path']} ({spec.name} "
                      f"{template}): {problem}")
        if not known:
            failures += 1
            print(f"{number}: {exchange['method']} {exchange['path']}: no schema has this operation")
    print(f"{len(exchanges)} exchanges, {checked} checks against {len(specs)} schemas, "
          f"{failures} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
