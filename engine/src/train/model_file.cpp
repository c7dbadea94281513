// Loading a trained model: a run directory (its newest checkpoint), a checkpoint, an exported model, a TorchScript
// denoiser or a shipped name.
#include "train/model_file.h"

#include <filesystem>

#include "core/util.h"
#include "io/zip_read.h"
#include "onestep/error.h"
#include "onestep/shipped.h"

namespace onestep::training {

// A checkpoint is a LibTorch archive (a zip) whose data.pkl pickles the format tag as the value of its first
// attribute. Reading that one member, not the whole TorchScript module, tells a checkpoint from any other file;
// readCheckpoint then loads it and checks the tag where it belongs.
bool isCheckpointFile(const std::string& path) {
  if (!isFile(path)) return false;
  const std::string tag = kCheckpointFormat;
  std::string pickled = "X";  // the pickle's BINUNICODE: 'X', a little-endian uint32 length, the UTF-8 bytes
  for (int shift = 0; shift < 32; shift += 8) pickled += static_cast<char>((tag.size() >> shift) & 0xFF);
  pickled += tag;
  try {
    const io::ZipReader zip(path, "model '" + path + "'");
    const std::vector<std::string> names = zip.names();
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto slash = names[i].find('/');
      if (slash == std::string::npos || names[i].substr(slash) != "/data.pkl") continue;
      try {
        return zip.read(i, 16 << 20).find(pickled) != std::string::npos;
      } catch (const Error&) {
        return true;  // a damaged data.pkl: readCheckpoint then says which member of the file is damaged
      }
    }
  } catch (const Error&) {
  }
  return false;
}

namespace {

// Whether a path exists; a path the system cannot even look at (a name too long) does not.
bool pathExists(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::exists(p, ec) && !ec;
}

}  // namespace

std::string storedTeacher(const std::string& teacher, const std::string& runDir) {
  namespace fs = std::filesystem;
  if (teacher.empty()) return teacher;
  ShippedModel shipped;
  if (!pathExists(teacher) && findShippedModel(teacher, &shipped)) return teacher;
  std::error_code ec;
  const fs::path absolute = fs::absolute(teacher, ec);
  if (ec) return teacher;
  const fs::path rel = fs::relative(absolute, fs::absolute(runDir, ec), ec);
  return ec || rel.empty() ? absolute.lexically_normal().string() : rel.string();
}

std::string resolveStoredTeacher(const std::string& stored, const std::string& runDir) {
  namespace fs = std::filesystem;
  if (stored.empty() || fs::path(stored).is_absolute()) return stored;
  const fs::path fromRun = (fs::path(runDir) / stored).lexically_normal();
  if (pathExists(fromRun)) return fromRun.string();
  ShippedModel shipped;
  if (pathExists(stored) || findShippedModel(stored, &shipped)) return stored;
  return fromRun.string();  // missing: the error that follows names where it was looked for
}

std::string runDirectoryOf(const std::string& file) {
  const std::filesystem::path dir = std::filesystem::path(file).parent_path();
  return dir.filename() == "checkpoints" ? dir.parent_path().string() : dir.string();
}

LoadedModel loadModel(const std::string& given, torch::Device device, const std::vector<int64_t>& shapeFallback) {
  LoadedModel m;
  const std::string path = resolveModelPath(given);  // a shipped name ("fashion-mnist-sid") is its file
  std::string file = path;
  if (isDir(path)) {
    if (!isFile(path + "/config.json"))
      throw Error("model '" + path + "': a directory without config.json is not a run directory");
    auto all = listCheckpoints(path);
    if (all.empty()) throw Error("model '" + path + "': the run has no checkpoint yet (train it first)");
    file = all.back();
  } else if (!isFile(path)) {
    throw Error("model '" + path +
                "': not found (expected a run directory, a checkpoint, a TorchScript .pt file or a shipped name: "
                "onestep models)");
  }
  m.file = file;
  if (isCheckpointFile(file)) {
    torch::serialize::InputArchive archive;
    m.kind = "checkpoint";
    m.meta = readCheckpoint(file, archive);
    m.config = configFromJson(m.meta.configJson, "checkpoint '" + file + "' config");
    m.config.teacher_model = resolveStoredTeacher(m.config.teacher_model, runDirectoryOf(file));
    m.shape = m.meta.shape;
    m.method = makeMethod(m.config, m.shape, device, nullptr);
    try {
      torch::serialize::InputArchive state;
      archive.read("state", state);
      m.method->load(state);
    } catch (const std::exception& e) {
      throw Error("checkpoint '" + file + "': state does not fit its config (" + firstLine(e) + ")");
    }
    return m;
  }
  m.kind = "torchscript";
  m.scripted = nets::loadScriptedDenoiser(file, shapeFallback);
  m.scripted->to(device);
  m.shape = m.scripted->shape();
  // A quick call on a tiny batch: a module of the wrong shape fails here with a clear message.
  try {
    torch::NoGradGuard guard;
    auto x = torch::zeros(m.shape.batchShape(2), torch::TensorOptions().device(device));
    torch::Tensor y;
    try {
      y = m.scripted->denoise(x, torch::ones({2}, x.options()), torch::Tensor());
    } catch (const Error& e) {
      throw Error("TorchScript file '" + file + "': " + e.what() + " on " + m.shape.text() + " input");
    }
    if (y.sizes() != x.sizes())
      throw Error("TorchScript file '" + file + "': forward returned shape " + c10::str(y.sizes()) + " for input " +
                  c10::str(x.sizes()) + "; expected the input's shape");
  } catch (const c10::Error& e) {
    throw Error("TorchScript file '" + file + "': forward(x, sigma) fails on " + m.shape.text() + " input (" +
                firstLine(e) + ")");
  }
  return m;
}

}  // namespace onestep::training
