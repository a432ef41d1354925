#include "twin/llm_twin/documents.h"

#include <fmt/format.h>

#include <algorithm>

#include "twin/warehouse/exchange.h"

namespace twin::llm_twin {

using Kind = FieldRule::Kind;
using json = nlohmann::json;

const std::vector<DocumentClass>& document_classes() {
  static const std::vector<DocumentClass> classes = {
      {"UserDocument",
       "users",
       {{"first_name", Kind::kString}, {"last_name", Kind::kString}},
       {},
       {}},
      {"ArticleDocument",
       "articles",
       {{"content", Kind::kObject},
        {"link", Kind::kString},
        {"platform", Kind::kString},
        {"author_id", Kind::kString},
        {"author_full_name", Kind::kString}},
       {"link"},
       {"author_id"}},
      {"PostDocument",
       "posts",
       {{"content", Kind::kObject},
        {"platform", Kind::kString},
        {"author_id", Kind::kString},
        {"author_full_name", Kind::kString}},
       {"link"},
       {"author_id"}},
      {"RepositoryDocument",
       "repositories",
       {{"content", Kind::kObject},
        {"name", Kind::kString},
        {"link", Kind::kString},
        {"platform", Kind::kString},
        {"author_id", Kind::kString},
        {"author_full_name", Kind::kString}},
       {"link"},
       {"author_id"}},
  };
  return classes;
}

const DocumentClass* find_document_class(std::string_view name) {
  for (const auto& document_class : document_classes()) {
    if (document_class.class_name == name || document_class.collection == name) {
      return &document_class;
    }
  }
  return nullptr;
}

namespace {

bool has_kind(const json& value, Kind kind) {
  switch (kind) {
    case Kind::kString:
      return value.is_string();
    case Kind::kObject:
      return value.is_object();
    case Kind::kStringOrNull:
      return value.is_string() || value.is_null();
  }
  return false;
}

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::kString:
      return "a string";
    case Kind::kObject:
      return "an object";
    case Kind::kStringOrNull:
      return "a string or null";
  }
  return "?";
}

}  // namespace

Status validate(const DocumentClass& document_class, const warehouse::Document& document) {
  for (const FieldRule& rule : document_class.required) {
    const auto found = document.fields.find(rule.name);
    if (found == document.fields.end()) {
      return Status::invalid_argument(fmt::format("{} {}: required field '{}' is missing",
                                                  document_class.class_name, document.id,
                                                  rule.name));
    }
    if (!has_kind(*found, rule.kind)) {
      return Status::invalid_argument(fmt::format("{} {}: field '{}' must be {}, not {}",
                                                  document_class.class_name, document.id, rule.name,
                                                  kind_name(rule.kind), found->type_name()));
    }
  }
  // Optional fields that, when present, must still have the Handbook's types.
  for (std::string_view optional : {"image", "link"}) {
    const auto found = document.fields.find(optional);
    if (found != document.fields.end() && !found->is_string() && !found->is_null()) {
      return Status::invalid_argument(fmt::format("{} {}: field '{}' must be a string or null",
                                                  document_class.class_name, document.id,
                                                  optional));
    }
  }
  return Status::ok();
}

Result<warehouse::Collection> open_collection(warehouse::Warehouse& warehouse,
                                              const DocumentClass& document_class) {
  TWIN_ASSIGN_OR_RETURN(auto collection, warehouse.collection(document_class.collection));
  for (std::string_view field : document_class.unique_fields) {
    TWIN_RETURN_IF_ERROR(collection.create_index({{std::string(field)}, true}));
  }
  for (std::string_view field : document_class.indexed_fields) {
    TWIN_RETURN_IF_ERROR(collection.create_index({{std::string(field)}, false}));
  }
  return collection;
}

Result<PersonName> split_full_name(std::string_view full_name) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < full_name.size()) {
    const size_t space = full_name.find(' ', start);
    const size_t end = space == std::string_view::npos ? full_name.size() : space;
    if (end > start) words.emplace_back(full_name.substr(start, end - start));
    start = end + 1;
  }
  if (words.empty()) {
    return fail(Status::invalid_argument("a user's full name must have at least one word"));
  }
  if (words.size() == 1) return PersonName{words[0], words[0]};
  const std::string last = words.back();
  words.pop_back();
  return PersonName{fmt::format("{}", fmt::join(words, " ")), last};
}

// ---- Typed views

namespace {

Author author_of(const json& fields) {
  return {fields.value("author_id", ""), fields.value("author_full_name", "")};
}

void put_author(json& fields, const Author& author) {
  fields["author_id"] = author.author_id;
  fields["author_full_name"] = author.author_full_name;
}

json string_or_null(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<std::string> optional_string(const json& fields, const char* name) {
  const auto found = fields.find(name);
  if (found == fields.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

}  // namespace

warehouse::Document UserDocument::to_document() const {
  return {id, {{"first_name", first_name}, {"last_name", last_name}}, std::nullopt};
}

Result<UserDocument> UserDocument::from_document(const warehouse::Document& document) {
  TWIN_RETURN_IF_ERROR(validate(*find_document_class("UserDocument"), document));
  return UserDocument{document.id, document.fields["first_name"].get<std::string>(),
                      document.fields["last_name"].get<std::string>()};
}

warehouse::Document ArticleDocument::to_document() const {
  json fields = {{"content", content}, {"link", link}, {"platform", platform}};
  put_author(fields, author);
  return {id, std::move(fields), lineage};
}

Result<ArticleDocument> ArticleDocument::from_document(const warehouse::Document& document) {
  TWIN_RETURN_IF_ERROR(validate(*find_document_class("ArticleDocument"), document));
  const json& f = document.fields;
  return ArticleDocument{
      document.id,  f["content"],    f["link"].get<std::string>(), f["platform"].get<std::string>(),
      author_of(f), document.lineage};
}

warehouse::Document PostDocument::to_document() const {
  json fields = {{"content", content},
                 {"image", string_or_null(image)},
                 {"link", string_or_null(link)},
                 {"platform", platform}};
  put_author(fields, author);
  return {id, std::move(fields), lineage};
}

Result<PostDocument> PostDocument::from_document(const warehouse::Document& document) {
  TWIN_RETURN_IF_ERROR(validate(*find_document_class("PostDocument"), document));
  const json& f = document.fields;
  return PostDocument{document.id,
                      f["content"],
                      optional_string(f, "image"),
                      optional_string(f, "link"),
                      f["platform"].get<std::string>(),
                      author_of(f),
                      document.lineage};
}

warehouse::Document RepositoryDocument::to_document() const {
  json fields = {{"name", name}, {"link", link}, {"content", content}, {"platform", platform}};
  put_author(fields, author);
  return {id, std::move(fields), lineage};
}

Result<RepositoryDocument> RepositoryDocument::from_document(const warehouse::Document& document) {
  TWIN_RETURN_IF_ERROR(validate(*find_document_class("RepositoryDocument"), document));
  const json& f = document.fields;
  std::map<std::string, std::string> files;
  for (const auto& [path, text] : f["content"].items()) {
    files[path] = text.is_string() ? text.get<std::string>() : text.dump();
  }
  return RepositoryDocument{
      document.id,      f["name"].get<std::string>(),     f["link"].get<std::string>(),
      std::move(files), f["platform"].get<std::string>(), author_of(f),
      document.lineage};
}

// ---- Export files

namespace {

std::string known_file_names() {
  std::vector<std::string> names;
  for (const auto& document_class : document_classes()) {
    names.push_back(std::string(document_class.class_name) + ".json");
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

Result<FileTransfer> import_file(warehouse::Warehouse& warehouse,
                                 const std::filesystem::path& file) {
  const DocumentClass* document_class = find_document_class(file.stem().string());
  if (document_class == nullptr) {
    return fail(Status::invalid_argument(fmt::format(
        "{}: cannot tell which collection it belongs to: name the file after its document "
        "class ({})",
        file.string(), known_file_names())));
  }
  TWIN_ASSIGN_OR_RETURN(auto documents, warehouse::read_document_array(file));
  for (const auto& document : documents) {
    Status valid = validate(*document_class, document);
    if (!valid.is_ok()) return fail(valid.with_context(file.string()));
  }
  TWIN_ASSIGN_OR_RETURN(auto collection, open_collection(warehouse, *document_class));
  const auto count = static_cast<std::int64_t>(documents.size());
  auto stored = collection.insert_many(std::move(documents), warehouse::OnExisting::kReplace);
  if (!stored) {
    return fail(stored.error().with_context(
        fmt::format("{}: nothing from this file was stored", file.string())));
  }
  return FileTransfer{file, std::string(document_class->collection), count};
}

}  // namespace

Result<std::vector<FileTransfer>> import_files(warehouse::Warehouse& warehouse,
                                               const std::vector<std::filesystem::path>& paths) {
  std::vector<std::filesystem::path> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (!std::filesystem::exists(path, error)) {
      return fail(Status::not_found(fmt::format("{}: no such file or folder", path.string())));
    }
    if (!std::filesystem::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.path().extension() == ".json" &&
          find_document_class(entry.path().stem().string()) != nullptr) {
        found.push_back(entry.path());
      }
    }
    if (error) return fail(Status::io(fmt::format("{}: {}", path.string(), error.message())));
    if (found.empty()) {
      return fail(Status::invalid_argument(fmt::format(
          "{}: no export files in this folder (expected {})", path.string(), known_file_names())));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  std::vector<FileTransfer> imported;
  for (const auto& file : files) {
    TWIN_ASSIGN_OR_RETURN(auto transfer, import_file(warehouse, file));
    imported.push_back(std::move(transfer));
  }
  return imported;
}

Result<nlohmann::json> collection_stats(warehouse::Warehouse& warehouse) {
  using nlohmann::json;
  TWIN_ASSIGN_OR_RETURN(auto names, warehouse.collection_names());
  json out = json::object();
  for (const auto& name : names) {
    TWIN_ASSIGN_OR_RETURN(auto collection, warehouse.collection(name));
    TWIN_ASSIGN_OR_RETURN(std::int64_t total, collection.count());
    TWIN_ASSIGN_OR_RETURN(auto with_author,
                          collection.count({{"author_full_name", {{"$exists", true}}}}));
    json authors = json::object();
    if (with_author > 0) {
      TWIN_ASSIGN_OR_RETURN(auto by_author, collection.count_by("author_full_name"));
      for (const auto& [author, n] : by_author) {
        const std::string key = author.is_null()     ? std::string("(none)")
                                : author.is_string() ? author.get<std::string>()
                                                     : author.dump();
        authors[key] = n;
      }
    }
    out[name] = {{"documents", total}, {"authors", authors}};
  }
  return out;
}

Result<std::vector<FileTransfer>> export_files(warehouse::Warehouse& warehouse,
                                               const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return fail(Status::io(fmt::format("{}: {}", directory.string(), error.message())));
  std::vector<FileTransfer> exported;
  for (const auto& document_class : document_classes()) {
    TWIN_ASSIGN_OR_RETURN(auto collection, warehouse.collection(document_class.collection));
    TWIN_ASSIGN_OR_RETURN(auto documents, collection.find(json::object()));
    const auto file = directory / (std::string(document_class.class_name) + ".json");
    TWIN_RETURN_IF_ERROR(warehouse::write_document_array(file, documents));
    exported.push_back({file, std::string(document_class.collection),
                        static_cast<std::int64_t>(documents.size())});
  }
  return exported;
}

}  // namespace twin::llm_twin
