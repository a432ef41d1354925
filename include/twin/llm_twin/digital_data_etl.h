// The Handbook's digital_data_etl pipeline as built-in C++ steps:
//
//   get_or_create_user(user_full_name) -> user
//       The UserDocument for the name (split as the Handbook does), created when missing.
//       Output metadata: {query: {user_full_name}, retrieved: {user_id, first_name, last_name}}.
//   crawl_links(user, links) -> crawled_links
//       Crawls each link (twin::crawl's dispatcher, routes and politeness from [crawl] in the
//       project's twin.toml) and stores the results in the warehouse as ArticleDocument,
//       PostDocument or RepositoryDocument with the user as author. Output: the links.
//       Output metadata per domain: {successful, total}, as the Handbook records it (a link
//       already stored counts as successful). Step metadata: per-domain ok / failed / skipped
//       counts, every failure and skip with its reason, and the ids of the stored documents per
//       collection; run metadata: {"stored_documents": {collection: count}}.
//
// Pipeline parameters: user_full_name, links, and recrawl (default false: a link whose document
// is already in the warehouse is skipped without fetching; true fetches it again and replaces
// the stored document, keeping its _id). Relative local links ("./pages/a.html", ".",
// "../x") are resolved against the project root, so a config in the repository works from any
// clone.
//
// Every stored document carries the lineage (run id, step run id) of the step run that wrote it.
// Both steps have side effects outside the artifact store, so they are never cached. The
// warehouse is opened from the command's settings (DATABASE_HOST, DATABASE_NAME). crawl_links
// draws a progress bar on stderr when it is a terminal and prints a per-domain table and the
// failures there at the end.
#pragma once

#include <filesystem>
#include <string>

#include "twin/core/status.h"
#include "twin/orchestrator/registry.h"

namespace twin::llm_twin {

// Registers the steps get_or_create_user and crawl_links and the pipeline digital_data_etl.
Status register_llm_twin_pipelines(orchestrator::PipelineRegistry& registry);

// A relative local link ("./a.html", "../x", ".", "..") as an absolute one under `root`: a git
// repository (a folder holding .git) as its path, anything else as a file:// URL. Other links are
// returned unchanged.
std::string resolve_local_link(const std::string& link, const std::filesystem::path& root);

}  // namespace twin::llm_twin
