// The one place where RunConfig meets JSON and text: a field table drives listing, --set, and (de)serialisation.
#include "onestep/config.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/parallel.h"

namespace onestep {
namespace {

using Json = nlohmann::json;

// Calls f(key, field, help) for every setting. The order is the order of config.json and of help texts.
template <typename Config, typename F>
void forEachField(Config& c, F&& f) {
  f("method", c.method, "what the run trains (onestep info --methods lists them)");
  f("teacher_model", c.teacher_model, "distillation: the teacher run directory, checkpoint or TorchScript file");
  f("data", c.data, "data spec: toy:8gaussians, fashion-mnist, mnist:DIR, cifar10:DIR, folder:DIR, ...");
  f("steps", c.steps, "iterations to train in total");
  f("batch", c.batch, "samples per iteration; 0 = auto (512 points, 64 images)");
  f("seed", c.seed, "seeds every noise source of the run");
  f("device", c.device, "auto, cpu, cuda or cuda:N");
  f("threads", c.threads, "LibTorch intra-op threads; 0 = all cores");
  f("log_every", c.log_every, "iterations between metrics.jsonl lines");
  f("checkpoint_every", c.checkpoint_every, "iterations between checkpoints (one is always written at the end)");
  f("keep_checkpoints", c.keep_checkpoints, "checkpoints kept on disk");
  f("snapshot_every", c.snapshot_every, "iterations between sample snapshots (0 = off)");
  f("snapshot_count", c.snapshot_count, "samples per snapshot, from a fixed evaluation noise; 0 = auto");
  f("eval_every", c.eval_every, "iterations between FID evaluations; -1 = auto (<= ~10% of training time), 0 = off");
  f("eval_count", c.eval_count,
    "samples per evaluation, from fixed noise; 0 = auto (2000 points, 1000 images, 200 teacher images)");
  f("eval_features", c.eval_features, "evaluation features: auto, raw, builtin[:FILE], inception:FILE");
  f("net.arch", c.net.arch, "denoiser network: auto, mlp (points) or unet (images)");
  f("net.hidden", c.net.hidden, "MLP hidden width");
  f("net.depth", c.net.depth, "MLP hidden layers");
  f("net.channels", c.net.channels, "UNet channels at full resolution");
  f("net.channel_mult", c.net.channel_mult, "UNet channel multipliers per resolution, e.g. 1,2,2");
  f("net.res_blocks", c.net.res_blocks, "UNet residual blocks per resolution");
  f("net.dropout", c.net.dropout, "dropout probability");
  f("net.class_cond", c.net.class_cond, "condition the network on class labels");
  f("teacher.lr", c.teacher.lr, "Adam learning rate; 0 = auto (1e-3 MLP, 2e-4 UNet)");
  f("teacher.lr_rampup", c.teacher.lr_rampup, "samples over which the learning rate ramps up from 0");
  f("teacher.ema_halflife", c.teacher.ema_halflife, "EMA half-life in samples");
  f("teacher.ema_rampup", c.teacher.ema_rampup,
    "every EMA (teacher and generators): half-life at most this fraction of samples seen (0 = off)");
  f("teacher.p_mean", c.teacher.p_mean, "mean of ln(sigma) during training");
  f("teacher.p_std", c.teacher.p_std, "standard deviation of ln(sigma) during training");
  f("teacher.sigma_data", c.teacher.sigma_data, "data standard deviation of the preconditioning");
  f("teacher.grad_clip", c.teacher.grad_clip, "gradient norm clip (0 = off)");
  f("sid.alpha", c.sid.alpha, "SiD alpha (1.2 in the paper; 0.5-1 is steadier on some data)");
  f("sid.sigma_init", c.sid.sigma_init, "SiD generator noise level: x = G(sigma_init z; sigma_init)");
  f("sid.t_max", c.sid.t_max, "SiD generator step: t ~ U[0, t_max] on the Karras curve");
  f("sid.lr_g", c.sid.lr_g,
    "SiD generator learning rate; 0 = auto (1e-4; lower it for a large TorchScript teacher: 1e-5 at batch 256 on "
    "CIFAR-10)");
  f("sid.lr_f", c.sid.lr_f, "SiD fake-score learning rate; 0 = auto (same as sid.lr_g)");
  f("sid.loss_scale", c.sid.loss_scale, "SiD generator loss scale (x100 in the reference)");
  f("sid.init", c.sid.init,
    "SiD: start G, its EMA and the fake score from this SiD model (a shipped name such as fashion-mnist-sid, an "
    "exported file or a run) instead of the teacher; empty = the teacher");
  f("sid.ema_halflife", c.sid.ema_halflife,
    "SiD generator EMA half-life in samples (at most teacher.ema_rampup x samples seen)");
  f("ct.p_mean", c.ct.p_mean, "ECT/SCT: mean of ln(t)");
  f("ct.p_std", c.ct.p_std, "ECT/SCT: standard deviation of ln(t)");
  f("ct.k", c.ct.k, "ECT/SCT: r(t) = t (1 - (1 + k sigmoid(-b t)) / q^(stage+1))");
  f("ct.b", c.ct.b, "ECT/SCT: b of the r(t) mapping");
  f("ct.q", c.ct.q, "ECT/SCT: t - r shrinks by q at each stage; 0 = auto (2 images, 1.5 points)");
  f("ct.stage_samples", c.ct.stage_samples,
    "ECT/SCT: training samples per stage; 0 = auto (128000 images, 40000 points)");
  f("ct.stages", c.ct.stages,
    "ECT/SCT: number of stages, t - r stops shrinking at the last; 0 = auto (11 points, 4 images), -1 = no limit");
  f("ct.huber_c", c.ct.huber_c, "ECT/SCT: pseudo-Huber c (0 = L2 norm)");
  f("ct.lr", c.ct.lr, "ECT/SCT: RAdam learning rate");
  f("ct.dropout", c.ct.dropout, "ECT/SCT: dropout of the consistency model (-1 = the teacher's)");
  f("ct.ema_halflife", c.ct.ema_halflife,
    "ECT/SCT: EMA half-life in samples (at most teacher.ema_rampup x samples seen)");
  f("ct.sigma_min", c.ct.sigma_min, "ECT/SCT: boundary time where f(x) = x");
  f("ct.sigma_max", c.ct.sigma_max,
    "ECT/SCT: one-step sampling starts at sigma_max z; 0 = auto (80 images, 10 points)");
  f("ct.t_mid", c.ct.t_mid, "ECT/SCT: intermediate time of two-step sampling");
  f("sct.ref_batch", c.sct.ref_batch,
    "SCT: data samples in the reference batch besides the training batch; 0 = the batch alone, -1 = auto (4096 points, "
    "256 images)");
  f("sct.same_class", c.sct.same_class, "SCT: for a class-conditional model, only same-class references count");
  f("smm.latent", c.smm.latent, "Score Mismatching: generator latent size; 0 = auto (8 points, 64 images)");
  f("smm.gen_hidden", c.smm.gen_hidden,
    "Score Mismatching: generator width (MLP) or last conv channels; 0 = auto (256, 64)");
  f("smm.gen_depth", c.smm.gen_depth, "Score Mismatching: generator MLP hidden layers");
  f("smm.levels", c.smm.levels, "Score Mismatching: number of noise levels T");
  f("smm.beta_min", c.smm.beta_min, "Score Mismatching: first beta of the schedule");
  f("smm.beta_max", c.smm.beta_max, "Score Mismatching: last beta of the schedule");
  f("smm.lr_g", c.smm.lr_g, "Score Mismatching: generator lr; 0 = auto (1e-3 points, 2.5e-3 images)");
  f("smm.lr_s", c.smm.lr_s, "Score Mismatching: score-net lr; 0 = auto (same as smm.lr_g)");
  f("smm.r1_gamma", c.smm.r1_gamma, "Score Mismatching: lazy R1 weight");
  f("smm.r1_every", c.smm.r1_every, "Score Mismatching: iterations between R1 penalties (0 = off)");
  f("smm.ema_halflife", c.smm.ema_halflife,
    "Score Mismatching: generator EMA half-life in samples (at most teacher.ema_rampup x samples seen)");
  f("smm.score_steps", c.smm.score_steps, "Score Mismatching: score-net steps per generator step");
  f("smm.lr_halflife", c.smm.lr_halflife,
    "Score Mismatching: both learning rates halve every this many samples, counted from the run's start "
    "(iterations x batch); 0 = constant");
  f("sampler.sampler", c.sampler.sampler, "heun or euler");
  f("sampler.steps", c.sampler.steps, "Karras schedule steps N (Heun: 2N-1 evaluations)");
  f("sampler.sigma_min", c.sampler.sigma_min, "smallest noise level of the schedule");
  f("sampler.sigma_max", c.sampler.sigma_max, "largest noise level of the schedule");
  f("sampler.rho", c.sampler.rho, "schedule curvature rho");
}

template <typename T>
const char* typeName() {
  if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else if constexpr (std::is_integral_v<T>)
    return "int";
  else if constexpr (std::is_floating_point_v<T>)
    return "float";
  else
    return "string";
}

template <typename T>
std::string toText(const T& v) {
  if constexpr (std::is_same_v<T, bool>)
    return v ? "true" : "false";
  else if constexpr (std::is_same_v<T, std::string>)
    return v;
  else if constexpr (std::is_floating_point_v<T>) {
    std::ostringstream s;
    s.precision(10);
    s << v;
    return s.str();
  } else
    return std::to_string(v);
}

template <typename T>
void fromText(T& out, const std::string& key, const std::string& text) {
  auto bad = [&](const char* expected) { return Error("setting " + key + "='" + text + "': expected " + expected); };
  if constexpr (std::is_same_v<T, bool>) {
    if (text == "true" || text == "1" || text == "yes" || text == "on")
      out = true;
    else if (text == "false" || text == "0" || text == "no" || text == "off")
      out = false;
    else
      throw bad("true or false");
  } else if constexpr (std::is_same_v<T, std::string>) {
    out = text;
  } else {
    std::size_t used = 0;
    try {
      if constexpr (std::is_floating_point_v<T>) {
        out = static_cast<T>(std::stod(text, &used));
        if (!std::isfinite(static_cast<double>(out))) throw bad("a finite number");
      } else if constexpr (std::is_unsigned_v<T>) {
        if (!text.empty() && text[0] == '-') throw bad("a non-negative integer");
        out = static_cast<T>(std::stoull(text, &used));
      } else {
        out = static_cast<T>(std::stoll(text, &used));
      }
    } catch (const Error&) {
      throw;
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != text.size()) throw bad(std::is_floating_point_v<T> ? "a number" : "an integer");
  }
}

template <typename T>
void fromJsonValue(T& out, const std::string& key, const Json& j, const std::string& source) {
  auto bad = [&](const char* expected) {
    return Error(source + ": \"" + key + "\" is " + j.dump() + ", expected " + expected);
  };
  if constexpr (std::is_same_v<T, bool>) {
    if (!j.is_boolean()) throw bad("true or false");
    out = j.get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!j.is_string()) throw bad("a string");
    out = j.get<std::string>();
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!j.is_number()) throw bad("a number");
    out = j.get<T>();
  } else {
    if (!j.is_number_integer()) throw bad("an integer");
    if (std::is_unsigned_v<T> && j.is_number_integer() && !j.is_number_unsigned() && j.get<int64_t>() < 0)
      throw bad("a non-negative integer");
    out = j.get<T>();
  }
}

// Splits "a.b" into the JSON path ["a","b"].
std::vector<std::string> splitKey(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream s(key);
  std::string p;
  while (std::getline(s, p, '.')) parts.push_back(p);
  return parts;
}

}  // namespace

std::vector<SettingInfo> listSettings(const RunConfig& config) {
  std::vector<SettingInfo> out;
  forEachField(config, [&](const char* key, const auto& field, const char* help) {
    using T = std::decay_t<decltype(field)>;
    out.push_back({key, toText(field), typeName<T>(), help});
  });
  return out;
}

void applySetting(RunConfig& config, const std::string& key, const std::string& value) {
  bool found = false;
  forEachField(config, [&](const char* k, auto& field, const char*) {
    if (key == k) {
      fromText(field, key, value);
      found = true;
    }
  });
  if (!found) {
    // Allow the short form "lr" for "teacher.lr" when it is unambiguous.
    std::string match;
    int hits = 0;
    forEachField(config, [&](const char* k, auto&, const char*) {
      std::string full = k;
      auto dot = full.rfind('.');
      if (dot != std::string::npos && full.substr(dot + 1) == key) {
        match = full;
        ++hits;
      }
    });
    if (hits == 1) return applySetting(config, match, value);
    if (hits > 1) throw Error("setting '" + key + "' is ambiguous: give its full name (e.g. " + match + ")");
    throw Error("unknown setting '" + key + "' (see `onestep info --settings` for the list)");
  }
}

void validateConfig(const RunConfig& c) {
  auto need = [](bool ok, const std::string& what) {
    if (!ok) throw Error("config: " + what);
  };
  const MethodInfo* method = findMethod(c.method);
  need(method != nullptr, "method '" + c.method + "' is not known (expected " + methodNames(false) + ")");
  need(!method->needsTeacher || !c.teacher_model.empty(), "method " + c.method + " needs a teacher (--teacher)");
  // Every method's section, not only the run's: config.json holds them all.
  for (const auto& m : methods())
    if (m.validate) m.validate(c);
  need(!c.data.empty(), "data must name a data spec");
  need(c.steps >= 1, "steps must be >= 1 (iterations in total)");
  need(c.batch >= 0, "batch must be >= 0 (0 = auto)");
  // Data parallel: every process of the group takes an equal share of each batch (dist.h).
  const int processes = parallel::worldSize();
  need(c.batch % processes == 0,
       "batch " + std::to_string(c.batch) + " does not split evenly over the " + std::to_string(processes) +
           " processes of the data-parallel group (give a multiple of " + std::to_string(processes) + ")");
  need(c.threads >= 0, "threads must be >= 0 (0 = all cores)");
  need(c.log_every >= 1, "log_every must be >= 1");
  need(c.checkpoint_every >= 1, "checkpoint_every must be >= 1");
  need(c.keep_checkpoints >= 1, "keep_checkpoints must be >= 1");
  need(c.snapshot_every >= 0, "snapshot_every must be >= 0");
  need(c.eval_every >= -1, "eval_every must be -1 (auto), 0 (off) or a number of iterations");
  need(c.eval_count >= 0 && c.eval_count <= 50000, "eval_count must be in 0..50000 (0 = auto)");
  need(c.snapshot_count >= 0 && c.snapshot_count <= 4096, "snapshot_count must be in 0..4096 (0 = auto)");
  need(c.net.arch == "auto" || c.net.arch == "mlp" || c.net.arch == "unet",
       "net.arch '" + c.net.arch + "' must be auto, mlp or unet");
  need(c.net.hidden >= 1 && c.net.depth >= 1, "net.hidden and net.depth must be >= 1");
  need(c.net.channels >= 4 && c.net.channels % 4 == 0, "net.channels must be a positive multiple of 4");
  need(c.net.res_blocks >= 1, "net.res_blocks must be >= 1");
  need(c.net.dropout >= 0 && c.net.dropout < 1, "net.dropout must be in [0, 1)");
  need(c.sampler.sampler == "heun" || c.sampler.sampler == "euler",
       "sampler.sampler '" + c.sampler.sampler + "' must be heun or euler");
  need(c.sampler.steps >= 1 && c.sampler.steps <= 1000, "sampler.steps must be in 1..1000");
  need(c.sampler.sigma_min > 0 && c.sampler.sigma_max > c.sampler.sigma_min, "sampler needs 0 < sigma_min < sigma_max");
  need(c.sampler.rho > 0, "sampler.rho must be > 0");
}

std::string configToJson(const RunConfig& config) {
  Json j = Json::object();
  forEachField(config, [&](const char* key, const auto& field, const char*) {
    Json* node = &j;
    auto parts = splitKey(key);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) node = &(*node)[parts[i]];
    (*node)[parts.back()] = field;
  });
  return j.dump(2);
}

RunConfig configFromJson(const std::string& text, const std::string& source) {
  Json j;
  try {
    j = Json::parse(text);
  } catch (const Json::exception& e) {  // parse_error, or out_of_range for a number past double's range
    throw Error(source + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  if (!j.is_object()) throw Error(source + ": expected a JSON object of settings");
  RunConfig config;
  std::vector<std::string> known;
  forEachField(config, [&](const char* key, auto& field, const char*) {
    known.push_back(key);
    const Json* node = &j;
    for (const auto& part : splitKey(key)) {
      if (!node->is_object() || !node->contains(part)) return;
      node = &(*node)[part];
    }
    fromJsonValue(field, key, *node, source);
  });
  // Unknown keys are mistakes (a typo would otherwise silently keep a default).
  std::function<void(const Json&, const std::string&)> check = [&](const Json& node, const std::string& prefix) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      const bool section =
          std::any_of(known.begin(), known.end(), [&](const std::string& k) { return k.rfind(key + ".", 0) == 0; });
      if (it->is_object() && section) {
        check(*it, key);  // only as deep as the settings go, however deep the file nests
      } else if (std::find(known.begin(), known.end(), key) == known.end()) {
        throw Error(source + ": unknown setting \"" + key + "\"");
      }
    }
  };
  check(j, "");
  return config;
}

RunConfig loadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("config file '" + path + "': cannot be opened");
  std::stringstream buf;
  buf << in.rdbuf();
  return configFromJson(buf.str(), "config file '" + path + "'");
}

}  // namespace onestep
