// The LLM Twin's built-in pipelines (digital_data_etl, feature_engineering,
// export_artifact_to_json), linked into the twin executable.
#include "twin/llm_twin/digital_data_etl.h"
#include "twin/llm_twin/export_artifacts.h"
#include "twin/llm_twin/feature_engineering.h"

TWIN_REGISTER_PIPELINES(twin::llm_twin::register_llm_twin_pipelines);
TWIN_REGISTER_PIPELINES(twin::llm_twin::register_feature_engineering);
TWIN_REGISTER_PIPELINES(twin::llm_twin::register_export_artifact_to_json);
