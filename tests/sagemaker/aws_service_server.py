#!/usr/bin/python3
"""A loopback stand-in for SageMaker, SageMaker Runtime, CloudWatch Logs, STS and IAM that is
strict the way the real services are, for tests that cannot reach AWS.

Every request must carry a valid SigV4 signature: it is recomputed with botocore's own signer
for the access key it names (--credentials AKID:SECRET, repeatable). Its parameters are decoded
by the operation's wire protocol (json for sagemaker and logs, query for sts and iam, rest-json
for sagemaker-runtime) and validated against the service models that Debian's python3-botocore
ships: required members, types, lengths, ranges, enums and patterns. Answers follow the same
models (the operation's output shape, its error codes), so botocore clients such as Debian's
awscli parse them as they parse AWS's. Jobs and endpoints move through their real states:
a training job is InProgress for --steps describes, then Completed; an endpoint is Creating, then
InService.

Prints `listening on http://127.0.0.1:PORT` once ready. With --record FILE, each accepted
request is appended as one JSON line {"service", "operation", "params"} for tests to compare.
"""
import argparse
import datetime
import hashlib
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials
from botocore.validate import ParamValidator

ACCOUNT = "123456789012"
SERVICES = {  # botocore model name -> signing name
    "sagemaker": "sagemaker",
    "sagemaker-runtime": "sagemaker",
    "logs": "logs",
    "sts": "sts",
    "iam": "iam",
}
QUERY_VERSIONS = {"2011-06-15": "sts", "2010-05-08": "iam"}


class ServiceError(Exception):
    """An error as the service sends it: HTTP status, error code (a shape of the model's errors
    where there is one) and message."""

    def __init__(self, status, code, message, sender=True):
        super().__init__(message)
        self.status, self.code, self.message, self.sender = status, code, message, sender


def now():
    return datetime.datetime.now(datetime.timezone.utc)


# ---- validation against the model -------------------------------------------------------------

def check_constraints(value, shape, path, errors):
    """What botocore's client-side ParamValidator leaves to the service: max lengths and
    ranges, enums and patterns."""
    if shape is None:
        return
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                check_constraints(value[name], member, f"{path}.{name}", errors)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: at most {meta['max']} items, got {len(value)}")
        for i, item in enumerate(value):
            check_constraints(item, shape.member, f"{path}[{i}]", errors)
    elif kind == "map" and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: at most {meta['max']} entries, got {len(value)}")
        for key, item in value.items():
            check_constraints(key, shape.key, f"{path} key", errors)
            check_constraints(item, shape.value, f"{path}.{key}", errors)
    elif kind == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            errors.append(f"{path}: at most {meta['max']} characters, got {len(value)}")
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: '{value}' is not one of {', '.join(shape.enum)}")
        pattern = meta.get("pattern")
        if pattern:
            try:
                compiled = re.compile(pattern, re.DOTALL)
            except re.error:  # a Java-only construct: the service checks it, we cannot
                compiled = None
            if compiled and not compiled.fullmatch(value):
                errors.append(f"{path}: '{value}' does not match the pattern {pattern}")
    elif kind in ("integer", "long", "float", "double") and isinstance(value, (int, float)):
        if "max" in meta and value > meta["max"]:
            errors.append(f"{path}: at most {meta['max']}, got {value}")


def validate(params, shape):
    report = ParamValidator().validate(params, shape)
    errors = [report.generate_report()] if report.has_errors() else []
    check_constraints(params, shape, shape.name, errors)
    if errors:
        raise ServiceError(400, "ValidationException", "; ".join(errors))


# ---- wire protocols ---------------------------------------------------------------------------

def from_query(form, shape, prefix=""):
    """The query protocol's flattened form (Tags.member.1.Key=...) as the shape's structure."""
    if shape.type_name == "structure":
        out = {}
        for name, member in shape.members.items():
            key = f"{prefix}{member.serialization.get('name', name)}"
            if member.type_name in ("structure", "list", "map"):
                value = from_query(form, member, key + ".")
                if value not in (None, {}, []):
                    out[name] = value
            elif key in form:
                out[name] = scalar(form[key], member)
        return out
    if shape.type_name == "list":
        items, i = [], 1
        while any(k.startswith(f"{prefix}member.{i}") for k in form):
            item_key = f"{prefix}member.{i}"
            items.append(from_query(form, shape.member, item_key + ".")
                         if shape.member.type_name in ("structure", "list", "map")
                         else scalar(form[item_key], shape.member))
            i += 1
        return items
    if shape.type_name == "map":
        out, i = {}, 1
        while f"{prefix}entry.{i}.key" in form:
            out[form[f"{prefix}entry.{i}.key"]] = scalar(form[f"{prefix}entry.{i}.value"],
                                                         shape.value)
            i += 1
        return out
    return None


def scalar(text, shape):
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name in ("float", "double"):
        return float(text)
    if shape.type_name == "boolean":
        return text == "true"
    return text


def to_xml(value, shape):
    if shape.type_name == "structure":
        return "".join(f"<{name}>{to_xml(value[name], member)}</{name}>"
                       for name, member in shape.members.items() if name in value)
    if shape.type_name == "list":
        return "".join(f"<member>{to_xml(v, shape.member)}</member>" for v in value)
    if shape.type_name == "timestamp":
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if shape.type_name == "boolean":
        return "true" if value else "false"
    return escape(str(value))


def to_json(value, shape):
    if shape is None:
        return value
    if shape.type_name == "structure":
        return {k: to_json(v, shape.members.get(k)) for k, v in value.items()}
    if shape.type_name == "list":
        return [to_json(v, shape.member) for v in value]
    if shape.type_name == "map":
        return {k: to_json(v, shape.value) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return value.timestamp()
    return value


# ---- the services' state ----------------------------------------------------------------------

class State:
    def __init__(self, steps):
        self.steps = steps
        self.lock = threading.Lock()
        self.training_jobs, self.models, self.endpoint_configs, self.endpoints = {}, {}, {}, {}
        self.roles = {}

    def arn(self, region, kind, name):
        return f"arn:aws:sagemaker:{region}:{ACCOUNT}:{kind}/{name.lower()}"


def sagemaker_operation(state, region, operation, p):
    """SageMaker's control plane: training jobs, models, endpoint configs and endpoints."""
    def missing(kind, name):
        arn = state.arn(region, kind.replace(" ", "-"), name)
        return ServiceError(400, "ValidationException", f'Could not find {kind} "{arn}".')

    if operation == "CreateTrainingJob":
        name = p["TrainingJobName"]
        if name in state.training_jobs:
            arn = state.arn(region, "training-job", name)
            raise ServiceError(400, "ResourceInUse",
                               "Training job names must be unique within an AWS account and "
                               f"region, and a training job with this name already exists ({arn})")
        state.training_jobs[name] = {"request": p, "describes": 0, "created": now()}
        return {"TrainingJobArn": state.arn(region, "training-job", name)}
    if operation == "DescribeTrainingJob":
        name = p["TrainingJobName"]
        job = state.training_jobs.get(name)
        if job is None:
            raise ServiceError(400, "ValidationException", "Requested resource not found.")
        job["describes"] += 1
        done = job["describes"] > state.steps
        request = job["request"]
        output = request["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        answer = {
            "TrainingJobName": name,
            "TrainingJobArn": state.arn(region, "training-job", name),
            "TrainingJobStatus": "Completed" if done else "InProgress",
            "SecondaryStatus": "Completed" if done else "Training",
            "AlgorithmSpecification": request["AlgorithmSpecification"],
            "RoleArn": request["RoleArn"],
            "ResourceConfig": request["ResourceConfig"],
            "StoppingCondition": request["StoppingCondition"],
            "HyperParameters": request.get("HyperParameters", {}),
            "OutputDataConfig": request["OutputDataConfig"],
            "CreationTime": job["created"],
            "ModelArtifacts": {"S3ModelArtifacts": f"{output}/{name}/output/model.tar.gz"},
        }
        if done:
            answer["TrainingEndTime"] = now()
        return answer
    if operation == "CreateModel":
        name = p["ModelName"]
        if name in state.models:
            raise ServiceError(400, "ValidationException",
                               f'Cannot create already existing model "{state.arn(region, "model", name)}".')
        state.models[name] = p
        return {"ModelArn": state.arn(region, "model", name)}
    if operation == "CreateEndpointConfig":
        name = p["EndpointConfigName"]
        for variant in p["ProductionVariants"]:
            if variant.get("ModelName") and variant["ModelName"] not in state.models:
                raise missing("model", variant["ModelName"])
        state.endpoint_configs[name] = p
        return {"EndpointConfigArn": state.arn(region, "endpoint-config", name)}
    if operation == "CreateEndpoint":
        name = p["EndpointName"]
        if p["EndpointConfigName"] not in state.endpoint_configs:
            raise missing("endpoint configuration", p["EndpointConfigName"])
        if name in state.endpoints:
            raise ServiceError(400, "ValidationException",
                               f'Cannot create already existing endpoint "{state.arn(region, "endpoint", name)}".')
        state.endpoints[name] = {"request": p, "describes": 0, "created": now()}
        return {"EndpointArn": state.arn(region, "endpoint", name)}
    if operation == "DescribeEndpoint":
        name = p["EndpointName"]
        endpoint = state.endpoints.get(name)
        if endpoint is None:
            raise missing("endpoint", name)
        endpoint["describes"] += 1
        return {
            "EndpointName": name,
            "EndpointArn": state.arn(region, "endpoint", name),
            "EndpointConfigName": endpoint["request"]["EndpointConfigName"],
            "EndpointStatus": "InService" if endpoint["describes"] > state.steps else "Creating",
            "CreationTime": endpoint["created"],
            "LastModifiedTime": now(),
        }
    for kind, table, key in (("endpoint", state.endpoints, "EndpointName"),
                             ("endpoint configuration", state.endpoint_configs,
                              "EndpointConfigName"),
                             ("model", state.models, "ModelName")):
        if operation == "Delete" + key[:-4]:
            if table.pop(p[key], None) is None:
                raise missing(kind, p[key])
            return {}
    if operation == "DescribeModel":
        model = state.models.get(p["ModelName"])
        if model is None:
            raise missing("model", p["ModelName"])
        return {"ModelName": p["ModelName"], "ModelArn": state.arn(region, "model", p["ModelName"]),
                "PrimaryContainer": model.get("PrimaryContainer", {}),
                "ExecutionRoleArn": model["ExecutionRoleArn"], "CreationTime": now()}
    raise ServiceError(400, "UnknownOperationException",
                       f"this test server does not implement SageMaker {operation}")


def logs_operation(state, operation, p):
    """CloudWatch Logs, as far as following a training job's log goes."""
    prefix = "/aws/sagemaker/TrainingJobs"
    if p.get("logGroupName") != prefix:
        raise ServiceError(400, "ResourceNotFoundException", "The specified log group does not exist.")
    if operation == "DescribeLogStreams":
        wanted = p.get("logStreamNamePrefix", "")
        streams = [{"logStreamName": f"{name}/algo-1-1700000000", "creationTime": 1700000000000}
                   for name in state.training_jobs if f"{name}/".startswith(wanted) or
                   name.startswith(wanted)]
        return {"logStreams": streams}
    if operation == "GetLogEvents":
        job = p["logStreamName"].split("/")[0]
        if job not in state.training_jobs:
            raise ServiceError(400, "ResourceNotFoundException", "The specified log stream does not exist.")
        if p.get("nextToken"):
            return {"events": [], "nextForwardToken": p["nextToken"]}
        lines = ["Invoking script with the following command:", f"/opt/conda/bin/python finetune.py",
                 "training done"]
        events = [{"timestamp": 1700000000000 + i, "message": m, "ingestionTime": 1700000000000}
                  for i, m in enumerate(lines)]
        return {"events": events, "nextForwardToken": "f/end", "nextBackwardToken": "b/start"}
    raise ServiceError(400, "UnknownOperationException",
                       f"this test server does not implement Logs {operation}")


def query_operation(state, service, operation, p, access_key):
    if service == "sts" and operation == "GetCallerIdentity":
        return {"UserId": access_key, "Account": ACCOUNT,
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/twin-test"}
    if service == "iam" and operation == "CreateRole":
        name = p["RoleName"]
        if name in state.roles:
            raise ServiceError(409, "EntityAlreadyExists", f"Role with name {name} already exists.")
        json.loads(urllib.parse.unquote(p["AssumeRolePolicyDocument"]))
        role = {"Path": p.get("Path", "/"), "RoleName": name, "RoleId": "AROA" + uuid.uuid4().hex[:16].upper(),
                "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "CreateDate": now(),
                "AssumeRolePolicyDocument": p["AssumeRolePolicyDocument"]}
        state.roles[name] = {"role": role, "policies": []}
        return {"Role": role}
    if service == "iam" and operation == "AttachRolePolicy":
        if p["RoleName"] not in state.roles:
            raise ServiceError(404, "NoSuchEntity", f"The role with name {p['RoleName']} cannot be found.")
        state.roles[p["RoleName"]]["policies"].append(p["PolicyArn"])
        return {}
    if service == "iam" and operation == "GetRole":
        if p["RoleName"] not in state.roles:
            raise ServiceError(404, "NoSuchEntity", f"The role with name {p['RoleName']} cannot be found.")
        return {"Role": state.roles[p["RoleName"]]["role"]}
    if service == "iam" and operation == "ListAttachedRolePolicies":
        if p["RoleName"] not in state.roles:
            raise ServiceError(404, "NoSuchEntity", f"The role with name {p['RoleName']} cannot be found.")
        return {"AttachedPolicies": [{"PolicyArn": a, "PolicyName": a.split("/")[-1]}
                                     for a in state.roles[p["RoleName"]]["policies"]],
                "IsTruncated": False}
    raise ServiceError(400, "InvalidAction", f"this test server does not implement {service} {operation}")


class ExactHeadersSigner(SigV4Auth):
    """botocore's signer over exactly the headers the client signed (botocore would pick its
    own set, and leave out some a client may sign)."""

    def __init__(self, credentials, service, region, names):
        super().__init__(credentials, service, region)
        self.names = names

    def headers_to_sign(self, request):
        chosen = HTTPHeaders()
        for name in self.names:
            chosen[name] = request.headers.get(name, "")
        return chosen


# ---- HTTP -------------------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-service-test-server"

    def log_message(self, *args):  # quiet: tests read stdout for the address only
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        service = None
        try:
            service, operation, params, access_key, region = self.route(body)
            with self.server.state.lock:
                answer = self.operate(service, operation, params, access_key, region)
            self.server.record(service, operation, params)
            self.reply(service, operation, answer)
        except ServiceError as error:
            self.fail(service, error)
        except Exception as error:  # a bug here must not look like a dropped connection
            self.fail(service, ServiceError(500, "InternalFailure", f"test server: {error!r}", sender=False))

    do_GET = do_PUT = do_DELETE = do_POST

    # Which service and operation, with the verified signer's key and region.
    def route(self, body):
        target = self.headers.get("X-Amz-Target", "")
        path = urllib.parse.urlsplit(self.path).path
        if target.startswith("SageMaker."):
            service = "sagemaker"
        elif target.startswith("Logs_20140328."):
            service = "logs"
        elif path.startswith("/endpoints/"):
            service = "sagemaker-runtime"
        else:
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            service = QUERY_VERSIONS.get(form.get("Version", ""))
            if service is None:
                raise ServiceError(400, "UnknownService", "no X-Amz-Target, /endpoints/ path or "
                                   "known query Version: not a request this server serves")
        access_key, region = self.verify_signature(service, body)
        model = self.server.models[service]
        if service in ("sagemaker", "logs"):
            operation = target.split(".", 1)[1]
            if operation not in model.operation_names:
                raise ServiceError(400, "UnknownOperationException", f"unknown operation {target}")
            try:
                params = json.loads(body or b"{}")
            except ValueError as error:
                raise ServiceError(400, "SerializationException", f"body is not JSON: {error}")
        elif service == "sagemaker-runtime":
            match = re.fullmatch(r"/endpoints/([^/]+)/invocations", path)
            if not match or self.command != "POST":
                raise ServiceError(404, "UnknownOperationException", f"no operation at {self.command} {path}")
            operation = "InvokeEndpoint"
            params = {"EndpointName": urllib.parse.unquote(match.group(1)), "Body": body}
            for header, member in (("Content-Type", "ContentType"), ("Accept", "Accept")):
                if self.headers.get(header):
                    params[member] = self.headers[header]
        else:
            operation = form.pop("Action", "")
            form.pop("Version", None)
            if operation not in model.operation_names:
                raise ServiceError(400, "InvalidAction", f"Could not find operation {operation}")
            params = from_query(form, model.operation_model(operation).input_shape)
        validate(params, model.operation_model(operation).input_shape)
        return service, operation, params, access_key, region

    def verify_signature(self, service, body):
        auth = self.headers.get("Authorization", "")
        match = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                             r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})", auth)
        if not match:
            raise ServiceError(403, "MissingAuthenticationToken" if not auth else "IncompleteSignature",
                               "Request is missing Authentication Token" if not auth else
                               f"Authorization header is not a SigV4 signature: {auth[:80]}")
        access_key, date, region, signing_name, signed_headers, signature = match.groups()
        secret = self.server.credentials.get(access_key)
        if secret is None:
            raise ServiceError(403, "UnrecognizedClientException" if service != "sts" else "InvalidClientTokenId",
                               "The security token included in the request is invalid.")
        if signing_name != SERVICES[service]:
            raise ServiceError(403, "InvalidSignatureException",
                               f"Credential should be scoped to correct service: '{SERVICES[service]}'.")
        stamp = self.headers.get("X-Amz-Date", "")
        if not stamp.startswith(date):
            raise ServiceError(403, "InvalidSignatureException", "X-Amz-Date does not match the credential scope date")
        signed_at = datetime.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        if abs((now() - signed_at).total_seconds()) > 300:
            raise ServiceError(403, "InvalidSignatureException", "Signature expired: more than 5 minutes off")
        headers = {name: self.headers[name] for name in signed_headers.split(";") if name in self.headers}
        request = AWSRequest(method=self.command, url=f"http://{self.headers['Host']}{self.path}",
                             headers=headers, data=body)
        request.context["timestamp"] = stamp
        signer = ExactHeadersSigner(Credentials(access_key, secret), signing_name, region,
                                    signed_headers.split(";"))
        canonical = signer.canonical_request(request)
        expected = signer.signature(signer.string_to_sign(request, canonical), request)
        if expected != signature:
            raise ServiceError(403, "SignatureDoesNotMatch" if service in ("sts", "iam") else "InvalidSignatureException",
                               "The request signature we calculated does not match the signature you provided. "
                               "Check your AWS Secret Access Key and signing method.")
        return access_key, region

    def operate(self, service, operation, params, access_key, region):
        state = self.server.state
        if service == "sagemaker":
            return sagemaker_operation(state, region, operation, params)
        if service == "logs":
            return logs_operation(state, operation, params)
        if service == "sagemaker-runtime":
            endpoint = state.endpoints.get(params["EndpointName"])
            if endpoint is None or endpoint["describes"] <= state.steps:
                raise ServiceError(400, "ValidationError",
                                   f"Endpoint {params['EndpointName']} of account {ACCOUNT} not found.")
            try:
                request = json.loads(params["Body"])
            except ValueError:
                request = None
            if not isinstance(request, dict) or not isinstance(request.get("inputs"), str):
                raise ServiceError(424, "ModelError", "Received client error (422) from primary: "
                                   "TGI expects {\"inputs\": string, \"parameters\": {...}}")
            words = request["inputs"].split()
            return {"Body": json.dumps([{"generated_text": request["inputs"] + " ... " + " ".join(reversed(words))}]).encode(),
                    "ContentType": "application/json"}
        return query_operation(state, service, operation, params, access_key)

    def reply(self, service, operation, answer):
        shape = self.server.models[service].operation_model(operation).output_shape
        request_id = str(uuid.uuid4())
        if service in ("sagemaker", "logs"):
            self.send(200, json.dumps(to_json(answer, shape)).encode(), "application/x-amz-json-1.1", request_id)
        elif service == "sagemaker-runtime":
            self.send(200, answer["Body"], answer["ContentType"], request_id,
                      {"x-Amzn-Invoked-Production-Variant": "AllTraffic"})
        else:
            namespace = {"sts": "https://sts.amazonaws.com/doc/2011-06-15/",
                         "iam": "https://iam.amazonaws.com/doc/2010-05-08/"}[service]
            result = f"<{operation}Result>{to_xml(answer, shape)}</{operation}Result>" if shape else ""
            xml = (f'<{operation}Response xmlns="{namespace}">{result}'
                   f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
                   f"</{operation}Response>")
            self.send(200, xml.encode(), "text/xml", request_id)

    def fail(self, service, error):
        request_id = str(uuid.uuid4())
        if service in ("sts", "iam"):
            xml = (f"<ErrorResponse><Error><Type>{'Sender' if error.sender else 'Receiver'}</Type>"
                   f"<Code>{error.code}</Code><Message>{escape(error.message)}</Message></Error>"
                   f"<RequestId>{request_id}</RequestId></ErrorResponse>")
            self.send(error.status, xml.encode(), "text/xml", request_id)
        else:
            body = json.dumps({"__type": error.code, "message": error.message}).encode()
            self.send(error.status, body, "application/x-amz-json-1.1", request_id,
                      {"x-amzn-ErrorType": error.code})

    def send(self, status, body, content_type, request_id, extra=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", request_id)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, credentials, steps, record):
        super().__init__(address, Handler)
        session = botocore.session.get_session()
        self.models = {name: session.get_service_model(name) for name in SERVICES}
        self.credentials = credentials
        self.state = State(steps)
        self.record_file = record
        self.record_lock = threading.Lock()

    def record(self, service, operation, params):
        if not self.record_file:
            return
        printable = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                     for k, v in params.items()}
        with self.record_lock, open(self.record_file, "a") as out:
            out.write(json.dumps({"service": service, "operation": operation, "params": printable}) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--credentials", action="append", required=True, metavar="AKID:SECRET")
    parser.add_argument("--steps", type=int, default=2,
                        help="describes a training job or endpoint stays in progress (default 2)")
    parser.add_argument("--record", metavar="FILE", help="append each accepted request as a JSON line")
    args = parser.parse_args()
    credentials = dict(pair.split(":", 1) for pair in args.credentials)
    server = Server(("127.0.0.1", args.port), credentials, args.steps, args.record)
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
