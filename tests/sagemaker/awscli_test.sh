#!/usr/bin/env bash
# Debian's awscli against tests/sagemaker/aws_service_server.py: the server speaks the real wire
# protocols (awscli, a botocore client, parses every answer), verifies SigV4, validates requests
# against botocore's service models on its own side (client-side validation turned off), and
# moves jobs and endpoints through their states. twin's SageMaker tests rely on all of this.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/sagemaker/test_server.sh
source "$here/test_server.sh"

check "sts get-caller-identity" '"Account": "123456789012"' "$(aws_ sts get-caller-identity)"
check "iam create-role" '"RoleName": "SageMakerExecutionRoleLLM"' "$(aws_ iam create-role \
  --role-name SageMakerExecutionRoleLLM \
  --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}')"
aws_ iam attach-role-policy --role-name SageMakerExecutionRoleLLM \
  --policy-arn arn:aws:iam::aws:policy/AmazonSageMakerFullAccess
check "iam list-attached-role-policies" "AmazonSageMakerFullAccess" \
  "$(aws_ iam list-attached-role-policies --role-name SageMakerExecutionRoleLLM)"
expect_error "iam attach-role-policy to a missing role" "NoSuchEntity" \
  aws_ iam attach-role-policy --role-name nope --policy-arn arn:aws:iam::aws:policy/X

job=huggingface-pytorch-training-2026-12-02-10-00-00-000
check "sagemaker create-training-job" "training-job/$job" \
  "$(aws_ sagemaker create-training-job --cli-input-json "file://$here/requests/create-training-job.json")"
expect_error "a second job of the same name" "ResourceInUse" \
  aws_ sagemaker create-training-job --cli-input-json "file://$here/requests/create-training-job.json"
check "describe-training-job, first" '"TrainingJobStatus": "InProgress"' \
  "$(aws_ sagemaker describe-training-job --training-job-name "$job")"
check "describe-training-job, then" '"TrainingJobStatus": "Completed"' \
  "$(aws_ sagemaker describe-training-job --training-job-name "$job")"
check "logs get-log-events" "training done" "$(aws_ logs get-log-events \
  --log-group-name /aws/sagemaker/TrainingJobs --log-stream-name "$job/algo-1-1700000000")"
/usr/bin/python3 -c 'import json, sys
request = json.load(open(sys.argv[1]))
del request["RoleArn"]
request["TrainingJobName"] = "no-role"
json.dump(request, open(sys.argv[2], "w"))' "$here/requests/create-training-job.json" "$work/no-role.json"
expect_error "a training job without RoleArn (server-side validation)" \
  'Missing required parameter in input: "RoleArn"' \
  aws_ sagemaker create-training-job --cli-input-json "file://$work/no-role.json"
expect_error "an instance type outside the model's enum" "is not one of" \
  aws_ sagemaker create-training-job --training-job-name y \
  --role-arn arn:aws:iam::123456789012:role/r \
  --algorithm-specification TrainingImage=i,TrainingInputMode=File \
  --output-data-config S3OutputPath=s3://b/ --stopping-condition MaxRuntimeInSeconds=60 \
  --resource-config InstanceType=ml.nope,InstanceCount=1,VolumeSizeInGB=30

image=763104351884.dkr.ecr.eu-central-1.amazonaws.com/huggingface-pytorch-tgi-inference:2.1.1-tgi1.4.0-gpu-py310-cu121-ubuntu20.04
aws_ sagemaker create-model --model-name twin-model \
  --execution-role-arn arn:aws:iam::123456789012:role/SageMakerExecutionRoleLLM \
  --primary-container "Image=$image,Environment={HF_MODEL_ID=mlabonne/TwinLlama-3.1-8B-13,SM_NUM_GPUS=1,MAX_INPUT_LENGTH=2048,MAX_TOTAL_TOKENS=4096}" >/dev/null
expect_error "an endpoint config naming a missing model" "Could not find model" \
  aws_ sagemaker create-endpoint-config --endpoint-config-name bad \
  --production-variants VariantName=AllTraffic,ModelName=nosuch,InitialInstanceCount=1,InstanceType=ml.g5.2xlarge
aws_ sagemaker create-endpoint-config --endpoint-config-name twin-config \
  --production-variants VariantName=AllTraffic,ModelName=twin-model,InitialInstanceCount=1,InstanceType=ml.g5.2xlarge >/dev/null
aws_ sagemaker create-endpoint --endpoint-name twin --endpoint-config-name twin-config >/dev/null
check "describe-endpoint, first" '"EndpointStatus": "Creating"' \
  "$(aws_ sagemaker describe-endpoint --endpoint-name twin)"
check "describe-endpoint, then" '"EndpointStatus": "InService"' \
  "$(aws_ sagemaker describe-endpoint --endpoint-name twin)"
aws_ sagemaker-runtime invoke-endpoint --endpoint-name twin --content-type application/json \
  --body '{"inputs": "Write a post about RAG", "parameters": {"max_new_tokens": 20}}' \
  --cli-binary-format raw-in-base64-out "$work/answer.json" >/dev/null
check "sagemaker-runtime invoke-endpoint" '[{"generated_text": "Write a post about RAG' \
  "$(cat "$work/answer.json")"
expect_error "invoke-endpoint on a missing endpoint" "Endpoint nosuch of account 123456789012 not found" \
  aws_ sagemaker-runtime invoke-endpoint --endpoint-name nosuch --body '{}' \
  --cli-binary-format raw-in-base64-out "$work/none.json"
expect_error "invoke-endpoint with a body TGI cannot read" "ModelError" \
  aws_ sagemaker-runtime invoke-endpoint --endpoint-name twin --body 'not json' \
  --cli-binary-format raw-in-base64-out "$work/none.json"
aws_ sagemaker delete-endpoint --endpoint-name twin
aws_ sagemaker delete-endpoint-config --endpoint-config-name twin-config
aws_ sagemaker delete-model --model-name twin-model
expect_error "describe-endpoint after deletion" 'Could not find endpoint "arn:aws:sagemaker:eu-central-1:123456789012:endpoint/twin"' \
  aws_ sagemaker describe-endpoint --endpoint-name twin

expect_error "a wrong secret" "InvalidSignatureException" \
  env AWS_SECRET_ACCESS_KEY=wrong "$aws" --endpoint-url "$url" sagemaker describe-endpoint --endpoint-name twin
expect_error "an unknown access key" "InvalidClientTokenId" \
  env AWS_ACCESS_KEY_ID=AKIDNOBODY "$aws" --endpoint-url "$url" sts get-caller-identity
check "accepted requests are recorded" '"operation": "CreateTrainingJob"' "$(cat "$work/requests.jsonl")"

finish
