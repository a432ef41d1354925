#!/usr/bin/env bash
# `twin sagemaker ... --dry-run --json` prints requests that SageMaker accepts: each is sent
# unchanged by Debian's awscli (--cli-input-json) to tests/sagemaker/aws_service_server.py,
# which validates it against botocore's service models, and the server's record of what it
# accepted equals what twin printed. Then the endpoint twin's deploy created answers twin's
# TGI payload, and twin's delete requests remove it. Usage: dry_run_test.sh TWIN_BINARY
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
twin="${1:?usage: dry_run_test.sh TWIN_BINARY}"
# shellcheck source=tests/sagemaker/test_server.sh
source "$here/test_server.sh"

project="$work/project"
mkdir -p "$project/llm_engineering/model/finetuning" "$project/configs"
touch "$project/twin.toml" "$project/llm_engineering/model/finetuning/finetune.py"
cp "$here/../../../shared/data/llm-engineers-handbook/configs/training.yaml" "$project/configs/" 2>/dev/null ||
  printf 'parameters:\n  finetuning_type: sft\n  is_dummy: true\n' >"$project/configs/training.yaml"
cat >"$project/.env" <<'ENV'
AWS_ARN_ROLE=arn:aws:iam::123456789012:role/SageMakerExecutionRoleLLM
AWS_REGION=eu-central-1
HUGGINGFACE_ACCESS_TOKEN=hf_test_token
COMET_API_KEY=comet-test-key
HF_MODEL_ID=mlabonne/TwinLlama-3.1-8B-13
ENV
twin_() { (cd "$project" && env -u AWS_REGION "$twin" "$@"); }

# Sends each SageMaker request of a dry run with awscli; the server must accept every one.
send_all() {  # send_all DRY_RUN_JSON_FILE
  local count
  count="$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1")"
  for i in $(seq 0 $((count - 1))); do
    /usr/bin/python3 - "$1" "$i" "$work/request.json" <<'PY' >"$work/request.line"
import json, re, sys
request = json.load(open(sys.argv[1]))[int(sys.argv[2])]
json.dump(request["params"], open(sys.argv[3], "w"))
kebab = re.sub(r"(?<!^)(?=[A-Z])", "-", request["operation"]).lower()
print(request["service"], kebab)
PY
    read -r service operation <"$work/request.line"
    [ "$service" = sagemaker ] || continue
    if out="$(aws_ sagemaker "$operation" --cli-input-json "file://$work/request.json" 2>&1)"; then
      echo "ok   twin's $operation accepted by the validating server"
    else
      check "twin's $operation accepted by the validating server" "(accepted)" "$out"
    fi
  done
}

# The server's record of the accepted SageMaker requests equals what twin printed.
same_as_recorded() {  # same_as_recorded NAME DRY_RUN_JSON_FILE
  local verdict
  verdict="$(/usr/bin/python3 - "$2" "$work/requests.jsonl" <<'PY'
import json, sys
printed = [(r["operation"], r["params"]) for r in json.load(open(sys.argv[1]))
           if r["service"] == "sagemaker"]
recorded = [(r["operation"], r["params"]) for r in map(json.loads, open(sys.argv[2]))]
recorded = recorded[-len(printed):]
print("same" if printed == recorded else f"printed {printed}\nrecorded {recorded}")
PY
)"
  check "$1" "same" "$verdict"
}

twin_ sagemaker train --config configs/training.yaml --dry-run --json --show-secrets >"$work/train.json"
check "train: the hyperparameters are JSON-encoded as the SDK does" '"finetuning_type": "\"sft\""' \
  "$(cat "$work/train.json")"
check "train: the code goes to the default bucket" \
  '"url": "s3://sagemaker-eu-central-1-123456789012/huggingface-pytorch-training-' "$(cat "$work/train.json")"
send_all "$work/train.json"
same_as_recorded "train: what awscli sent is what twin printed" "$work/train.json"
check "train: the job runs" '"TrainingJobStatus"' "$(aws_ sagemaker describe-training-job \
  --training-job-name "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[1]["params"]["TrainingJobName"])' "$work/train.json")")"
check "train: secrets are masked without --show-secrets" '"HUGGING_FACE_HUB_TOKEN": "****' \
  "$(twin_ sagemaker train --dry-run --json)"

twin_ sagemaker train --dry-run --json --instance-type ml.bogus >"$work/bogus.json"
/usr/bin/python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))[1]["params"], open(sys.argv[2], "w"))' \
  "$work/bogus.json" "$work/bogus-request.json"
expect_error "train: an instance type SageMaker lacks is refused by the server" "is not one of" \
  aws_ sagemaker create-training-job --cli-input-json "file://$work/bogus-request.json"

twin_ sagemaker deploy --dry-run --json --show-secrets >"$work/deploy.json"
send_all "$work/deploy.json"
same_as_recorded "deploy: what awscli sent is what twin printed" "$work/deploy.json"
aws_ sagemaker describe-endpoint --endpoint-name twin >/dev/null
check "deploy: the endpoint comes into service" '"EndpointStatus": "InService"' \
  "$(aws_ sagemaker describe-endpoint --endpoint-name twin)"

twin_ sagemaker invoke "Write a LinkedIn post about RAG" --dry-run --json >"$work/invoke.json"
/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[0]["params"]["Body"]))' \
  "$work/invoke.json" >"$work/payload.json"
check "invoke: the Handbook's TGI payload" '"return_full_text": false' "$(cat "$work/payload.json")"
aws_ sagemaker-runtime invoke-endpoint --endpoint-name twin --content-type application/json \
  --body "file://$work/payload.json" --cli-binary-format raw-in-base64-out "$work/answer.json" >/dev/null
check "invoke: TGI's answer" '"generated_text": "Write a LinkedIn post about RAG' "$(cat "$work/answer.json")"

twin_ sagemaker delete --dry-run --json >"$work/delete.json"
send_all "$work/delete.json"
expect_error "delete: the endpoint is gone" "Could not find endpoint" \
  aws_ sagemaker describe-endpoint --endpoint-name twin

expect_error "train without AWS_ARN_ROLE names the setting" "AWS_ARN_ROLE is not set" \
  env -C "$project" AWS_ARN_ROLE= "$twin" sagemaker train --dry-run
expect_error "train with a missing source folder names it" "--source-dir" \
  twin_ sagemaker train --dry-run --source-dir nowhere
expect_error "a region without a known container registry" "pass the image URI" \
  env -C "$project" AWS_REGION=xx-nowhere-1 "$twin" sagemaker deploy --dry-run
finish
