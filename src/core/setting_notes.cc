#include "twin/core/setting_notes.h"

#include <array>
#include <utility>

namespace twin {

std::optional<std::string> setting_note(std::string_view name, std::string_view value) {
  if (name == "DATABASE_HOST" &&
      (value.starts_with("mongodb://") || value.starts_with("mongodb+srv://"))) {
    return "twin cannot serve MongoDB: remove this line (embedded warehouse) or use sqlite://PATH "
           "or postgresql://...";
  }
  // Keep in step with the code: a setting leaves this table when twin starts using it.
  // The AWS_* settings are used (cloud/aws_config.h; AWS_ARN_ROLE by twin sagemaker), and
  // HUGGINGFACE_ACCESS_TOKEN goes to SageMaker's containers.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kUnused = {{
      {"COMET_API_KEY",
       "ignored by twin, which tracks experiments itself (twin server speaks MLflow's API); "
       "passed on to SageMaker training jobs"},
      {"OPENAI_API_KEY",
       "not used: twin makes no OpenAI calls (embeddings use TEXT_EMBEDDING_API_KEY)"},
      {"OPENAI_MODEL_ID", "not used: twin makes no OpenAI calls"},
  }};
  for (const auto& [unused, why] : kUnused) {
    if (unused == name) return std::string(why);
  }
  return std::nullopt;
}

}  // namespace twin
