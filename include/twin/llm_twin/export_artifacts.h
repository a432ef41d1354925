// The Handbook's export_artifact_to_json pipeline as a built-in C++ step.
//
//   export_artifacts(artifact_names, output_dir = "output") -> exported_files
//       For each name, the latest version of the JSON artifact of that name (raw_documents,
//       cleaned_documents, ... as feature_engineering names its outputs) is written to
//       <output_dir>/<name>.json as the Handbook writes it: {"artifact_data": <the artifact>},
//       indented by 4, non-ASCII escaped. output_dir is relative to the project root. Each file is
//       written whole or not at all. Names with no artifact (the Handbook's config also names
//       instruct_datasets and preference_datasets, which twin does not produce yet) fail the step
//       after the others are written, naming them; the step metadata lists both.
//
// The Handbook's configs/export_artifact_to_json.yaml works unchanged:
//   twin pipeline run export_artifact_to_json --config configs/export_artifact_to_json.yaml
#pragma once

#include "twin/core/status.h"
#include "twin/orchestrator/registry.h"

namespace twin::llm_twin {

// Registers the step export_artifacts and the pipeline export_artifact_to_json.
Status register_export_artifact_to_json(orchestrator::PipelineRegistry& registry);

}  // namespace twin::llm_twin
