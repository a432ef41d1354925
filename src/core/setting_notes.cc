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
  // AWS_REGION, AWS_ACCESS_KEY and AWS_SECRET_KEY are used (cloud/aws_config.h: the S3 artifact
  // store, twin aws); AWS_ARN_ROLE is the SageMaker execution role, and SageMaker is not built.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kUnused = {{
      {"AWS_ARN_ROLE",
       "not used yet: the SageMaker execution role, and twin has no SageMaker commands yet "
       "(docs/aws.md)"},
      {"HUGGINGFACE_ACCESS_TOKEN", "not used yet: twin has no Hugging Face Hub client yet"},
      {"COMET_API_KEY",
       "ignored: twin tracks experiments itself (twin server speaks MLflow's API)"},
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
