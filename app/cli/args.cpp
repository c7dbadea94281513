#include "args.h"

#include <sstream>

namespace onestep::cli {

Args::Args(const CommandSpec& spec, const std::vector<std::string>& argv) : m_spec(spec) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--help" || a == "-h") {
      m_help = true;
      continue;
    }
    if (a.rfind("--", 0) != 0 || a == "--") {
      m_positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inlineValue = false;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inlineValue = true;
    }
    const OptionSpec* opt = nullptr;
    for (const auto& o : spec.options)
      if (o.name == name) opt = &o;
    if (!opt) throw UsageError("unknown option --" + name + " for '" + spec.name + "'");
    if (opt->value.empty()) {
      if (inlineValue) throw UsageError("option --" + name + " takes no value");
      value = "true";
    } else if (!inlineValue) {
      if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value (" + opt->value + ")");
      value = argv[++i];
    }
    if (!opt->repeat && m_values.count(name)) throw UsageError("option --" + name + " given twice");
    m_values[name].push_back(value);
  }
  if (!m_help && m_positional.size() != spec.positional.size() && !(spec.positionalOptional && m_positional.empty())) {
    std::string want;
    for (const auto& p : spec.positional) want += " " + p;
    throw UsageError("'" + spec.name + "' takes " + std::to_string(spec.positional.size()) + " argument(s):" +
                     (want.empty() ? " none" : want) + ", got " + std::to_string(m_positional.size()));
  }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = m_values.find(name);
  return it == m_values.end() ? fallback : it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
  auto it = m_values.find(name);
  return it == m_values.end() ? std::vector<std::string>{} : it->second;
}

int64_t Args::getInt(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  try {
    std::size_t used = 0;
    int64_t r = std::stoll(v, &used);
    if (used == v.size()) return r;
  } catch (const std::exception&) {
  }
  throw UsageError("option --" + name + " '" + v + "': expected an integer");
}

uint64_t Args::getSeed(const std::string& name) const {
  const int64_t v = getInt(name, 0);
  if (v < 0) throw UsageError("option --" + name + " '" + get(name) + "': expected a whole number >= 0");
  return static_cast<uint64_t>(v);
}

double Args::getDouble(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  try {
    std::size_t used = 0;
    double r = std::stod(v, &used);
    if (used == v.size()) return r;
  } catch (const std::exception&) {
  }
  throw UsageError("option --" + name + " '" + v + "': expected a number");
}

void Args::require(const std::vector<std::string>& names) const {
  for (const auto& n : names)
    if (!has(n)) throw UsageError("'" + m_spec.name + "' needs --" + n);
}

std::string helpText(const CommandSpec& spec) {
  std::ostringstream s;
  s << "usage: onestep " << spec.name << " " << spec.synopsis << "\n\n" << spec.summary << "\n\noptions:\n";
  for (const auto& o : spec.options) {
    std::string left = "  --" + o.name + (o.value.empty() ? "" : " " + o.value);
    s << left << std::string(left.size() < 26 ? 26 - left.size() : 1, ' ') << o.help << "\n";
  }
  s << "  --help                  this text\n";
  if (!spec.examples.empty()) s << "\nexamples:\n" << spec.examples;
  return s.str();
}

}  // namespace onestep::cli
