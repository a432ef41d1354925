// Pipelines written in YAML (`twin pipeline run file.yaml`): parsed into a definition, with the
// alias and size limits that keep an alias bomb from growing.
#include "twin/orchestrator/yaml_pipeline.h"

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)twin::orchestrator::parse_pipeline_yaml(twin::fuzz::as_text(data, size), "pipeline.yaml");
  return 0;
}
