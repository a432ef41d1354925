// The LLM Twin's built-in pipelines (digital_data_etl), linked into the twin executable.
#include "twin/llm_twin/digital_data_etl.h"

TWIN_REGISTER_PIPELINES(twin::llm_twin::register_llm_twin_pipelines);
