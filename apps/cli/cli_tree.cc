#include "apps/cli/cli_tree.h"

namespace custody::cli {
namespace {

OptionInfo Describe(const CLI::Option& o) {
  OptionInfo info;
  for (const auto& s : o.get_snames()) info.names.push_back("-" + s);
  for (const auto& l : o.get_lnames()) info.names.push_back("--" + l);
  if (!o.nonpositional()) info.positional = o.get_name();
  if (o.get_items_expected_max() > 0) {
    info.value = o.get_type_name();
    if (info.value.empty()) info.value = "VALUE";
    // CLI11 appends validator names ("TEXT:FILE"); the first word names the value.
    if (auto colon = info.value.find(':'); colon != std::string::npos) info.value.resize(colon);
    if (auto space = info.value.find(' '); space != std::string::npos) info.value.resize(space);
  }
  info.description = o.get_description();
  info.required = o.get_required();
  info.many = o.get_items_expected_max() > 1;
  return info;
}

void Walk(const CLI::App& app, const std::string& path, std::vector<CommandInfo>& out) {
  CommandInfo c;
  c.path = path;
  c.description = app.get_description();
  for (const CLI::Option* o : app.get_options()) c.options.push_back(Describe(*o));
  const auto subs = app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
  for (const CLI::App* s : subs) c.subcommands.push_back(s->get_name());
  out.push_back(std::move(c));
  for (const CLI::App* s : subs) Walk(*s, path.empty() ? s->get_name() : path + " " + s->get_name(), out);
}

}  // namespace

std::vector<CommandInfo> CommandTree(const CLI::App& root) {
  std::vector<CommandInfo> out;
  Walk(root, "", out);
  return out;
}

}  // namespace custody::cli
