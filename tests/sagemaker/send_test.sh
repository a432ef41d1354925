#!/usr/bin/env bash
# `twin sagemaker train | deploy | invoke | delete` sending for real: signed with the AWS CLI's
# credential chain to tests/sagemaker/aws_service_server.py (SageMaker, Runtime, Logs), with the
# code archive going to the test S3 server (s3rver, scripts/test-env.d/s3.sh). What the server
# accepted equals what --dry-run prints; errors name the service, the operation and the cause.
# Usage: send_test.sh TWIN_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
twin="${1:?usage: send_test.sh TWIN_BINARY}"
[ -n "${TWIN_TEST_S3_ENDPOINT:-}" ] || {
  echo "TWIN_TEST_S3_ENDPOINT is not set: run through scripts/test-env.sh (it starts s3rver)" >&2
  exit 1
}
# shellcheck source=tests/sagemaker/test_server.sh
source "$here/test_server.sh"

project="$work/project"
mkdir -p "$project/llm_engineering/model/finetuning"
touch "$project/twin.toml"
echo "print('fine-tuning')" >"$project/llm_engineering/model/finetuning/finetune.py"
echo "trl==0.9.6" >"$project/llm_engineering/model/finetuning/requirements.txt"
cat >"$project/.env" <<'ENV'
AWS_ARN_ROLE=arn:aws:iam::123456789012:role/SageMakerExecutionRoleLLM
HUGGINGFACE_ACCESS_TOKEN=hf_test_token
HF_MODEL_ID=mlabonne/TwinLlama-3.1-8B-13
ENV
export AWS_ENDPOINT_URL_SAGEMAKER="$url" AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME="$url"
export AWS_ENDPOINT_URL_CLOUDWATCH_LOGS="$url" AWS_ENDPOINT_URL_S3="$TWIN_TEST_S3_ENDPOINT"
twin_() { (cd "$project" && AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$twin" "$@"); }
job=twin-send-test-$$

twin_ sagemaker train --job-name "$job" --dry-run --json --show-secrets >"$work/dry.json"
out="$(twin_ sagemaker train --job-name "$job" --wait --poll-interval 0.05 2>&1)" ||
  check "train --wait exits 0" "exit 0" "$out"
check "train: status changes are shown" "$job: InProgress (Training)" "$out"
check "train: the job's CloudWatch log lines are shown" "training done" "$out"
check "train: ends with the model's location" \
  "training job $job Completed: model at s3://sagemaker-eu-central-1-123456789012/$job/output/model.tar.gz" "$out"
run_id="$(sed -n 's/.*(run \([0-9a-f]*\))$/\1/p' <<<"$out")"
(cd "$project" && exec "$twin" server --port 0 --qdrant-port 0) >"$work/twin-server.out" 2>&1 &
twin_server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/twin-server.out" 2>/dev/null && break; sleep 0.1; done
server="$(sed -n 's/.*listening on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p' "$work/twin-server.out" | head -1)"
tracked="$(curl -s "$server/api/2.0/mlflow/runs/get?run_id=$run_id")"
kill "$twin_server_pid" 2>/dev/null || true
wait "$twin_server_pid" 2>/dev/null || true
check "train: the job is a finished run of the tracker" '"status": "FINISHED"' \
  "$(/usr/bin/python3 -m json.tool <<<"$tracked" 2>&1)"
check "train: the run holds the model's location" \
  "s3://sagemaker-eu-central-1-123456789012/$job/output/model.tar.gz" "$tracked"
check "train: the run holds the hyperparameters" '"key": "finetuning_type", "value": "sft"' \
  "$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))' <<<"$tracked" 2>&1)"
verdict="$(/usr/bin/python3 - "$work/dry.json" "$work/requests.jsonl" <<'PY'
import json, sys
printed = [r["params"] for r in json.load(open(sys.argv[1])) if r["operation"] == "CreateTrainingJob"]
sent = [r["params"] for r in map(json.loads, open(sys.argv[2])) if r["operation"] == "CreateTrainingJob"]
print("same" if printed == sent else f"printed {printed}\nsent {sent}")
PY
)"
check "train: the request sent is the one --dry-run prints" "same" "$verdict"
AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER "$aws" --endpoint-url "$TWIN_TEST_S3_ENDPOINT" \
  s3 cp "s3://sagemaker-eu-central-1-123456789012/$job/source/sourcedir.tar.gz" "$work/sourcedir.tar.gz" >/dev/null
check "train: the code archive in S3 holds the source folder" "finetune.py" \
  "$(tar -tzf "$work/sourcedir.tar.gz" | sort | tr '\n' ' ')"
expect_error "train: a job name in use is SageMaker's ResourceInUse" "ResourceInUse" \
  twin_ sagemaker train --job-name "$job"

out="$(twin_ sagemaker deploy --poll-interval 0.05 2>&1)" || check "deploy exits 0" "exit 0" "$out"
check "deploy: waits until InService" "endpoint twin InService" "$out"
check "invoke: prints TGI's generated text" "Write a post about RAG" \
  "$(twin_ sagemaker invoke "Write a post about RAG")"
check "invoke --json: TGI's answer as it came" '[{"generated_text": ' \
  "$(twin_ sagemaker invoke "Hello" --json)"
twin_ -q sagemaker delete
expect_error "invoke after delete names the endpoint" "Endpoint twin of account 123456789012 not found" \
  twin_ sagemaker invoke "Hello"
expect_error "delete again: SageMaker's ValidationException, named" \
  "SageMaker DeleteEndpoint at $url: HTTP 400 ValidationException: Could not find endpoint" \
  twin_ sagemaker delete

export AWS_ENDPOINT_URL_IAM="$url"
check "aws iam create-execution-role prints the ARN for AWS_ARN_ROLE" \
  "AWS_ARN_ROLE=arn:aws:iam::123456789012:role/SageMakerExecutionRoleLLM" \
  "$(twin_ aws iam create-execution-role 2>&1)"
check "create-execution-role again reuses the role" "exists already: reusing it" \
  "$(twin_ aws iam create-execution-role 2>&1)"
check "the role has the Handbook's four policies" "AmazonEC2ContainerRegistryFullAccess" \
  "$(aws_ iam list-attached-role-policies --role-name SageMakerExecutionRoleLLM)"
check "create-execution-role --dry-run prints the IAM requests" '"operation": "AttachRolePolicy"' \
  "$(twin_ aws iam create-execution-role --dry-run)"

expect_error "a wrong secret is the service's InvalidSignatureException" "InvalidSignatureException" \
  env -C "$project" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=wrong "$twin" sagemaker delete
expect_error "no credentials at all names where twin looked" "credentials" \
  env -C "$project" -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$work" "$twin" sagemaker delete
expect_error "an unreachable endpoint names the URL" "http://127.0.0.1:9" \
  env -C "$project" AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
  AWS_ENDPOINT_URL_SAGEMAKER=http://127.0.0.1:9 "$twin" sagemaker delete
finish
