// Run configuration: typed settings with defaults, serialised to JSON in one place (config.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onestep {

// The denoiser network.
struct NetConfig {
  std::string arch = "auto";         // "mlp" (points), "unet" (images), or "auto" (by data kind)
  int hidden = 256;                  // MLP: width of each hidden layer
  int depth = 4;                     // MLP: number of hidden layers
  int channels = 32;                 // UNet: channels at the first resolution
  std::string channel_mult = "1,2,2";  // UNet: channel multiplier per resolution (each level halves H, W)
  int res_blocks = 1;                // UNet: residual blocks per resolution
  double dropout = 0.0;              // dropout probability inside residual blocks / MLP layers
  bool class_cond = false;           // condition on class labels (data must have them)
};

// EDM denoiser training (Karras et al. 2022, training/loss.py EDMLoss).
struct TeacherConfig {
  double lr = 0.0;                   // Adam learning rate; 0 = auto (1e-3 for MLP, 2e-4 for UNet)
  double lr_rampup = 10000;          // samples over which lr ramps linearly from 0
  double ema_halflife = 20000;       // EMA half-life in samples (beta = 0.5^(batch/halflife))
  double ema_rampup = 0.05;          // half-life is at most this fraction of samples seen (0 = off)
  double p_mean = -1.2;              // ln(sigma) ~ N(p_mean, p_std^2) during training
  double p_std = 1.2;                //
  double sigma_data = 0.5;           // data standard deviation assumed by the preconditioning
  double grad_clip = 0.0;            // clip gradient norm to this value (0 = off)
};

// Score identity Distillation (Zhou et al. 2024; mingyuanzhou/SiD sid_training_loop / sid_loss).
struct SidConfig {
  double alpha = 1.2;                // weight of the (y_real - y_fake)^2 term; 0.5..1 is steadier on some data
  double sigma_init = 2.5;           // generator input noise level: x_g = G(sigma_init z; sigma_init)
  double t_max = 0.8;                // generator-step sigma from t ~ U[0, t_max] on the Karras curve (<= 24.4)
  double lr_g = 0.0;                 // generator Adam lr; 0 = auto (1e-4 MLP, 1e-5 UNet)
  double lr_f = 0.0;                 // fake-score Adam lr; 0 = auto (same as lr_g)
  double loss_scale = 100.0;         // the reference's x100 on the generator loss
  double ema_halflife = 20000;       // generator EMA half-life in samples
};

// The teacher's Karras-schedule sampler (EDM "Algorithm 2").
struct SamplerConfig {
  std::string sampler = "heun";      // "heun" (2nd order) or "euler"
  int steps = 18;                    // N time steps; Heun uses 2N-1 network evaluations
  double sigma_min = 0.002;          // last non-zero noise level
  double sigma_max = 80.0;           // first noise level
  double rho = 7.0;                  // schedule curvature
};

// Everything a run needs; config.json in the run directory holds it with defaults filled in.
struct RunConfig {
  std::string method = "teacher";    // what this run trains: teacher or sid
  std::string teacher_model = "";    // distillation: the teacher (run directory, checkpoint or TorchScript file)
  std::string data = "toy:8gaussians";  // data spec (see data.h)
  int64_t steps = 3000;              // iterations to train in total
  int64_t batch = 0;                 // samples per iteration; 0 = auto (512 points, 64 images)
  uint64_t seed = 0;                 // seeds every noise source of the run
  std::string device = "auto";       // "auto", "cpu", "cuda", "cuda:N"
  int threads = 0;                   // LibTorch intra-op threads; 0 = all cores
  int64_t log_every = 10;            // iterations between metrics.jsonl lines
  int64_t checkpoint_every = 1000;   // iterations between checkpoints (and one at the end)
  int64_t keep_checkpoints = 3;      // checkpoints kept on disk (older ones are removed)
  int64_t snapshot_every = 500;      // iterations between sample snapshots in snapshots/ (0 = off)
  int64_t snapshot_count = 0;        // samples in each snapshot (fixed evaluation noise); 0 = auto (1000 points, 64 images)
  NetConfig net;                     // denoiser network
  TeacherConfig teacher;             // EDM training settings
  SidConfig sid;                     // SiD settings (method sid)
  SamplerConfig sampler;             // sampler for snapshots and default sampling
};

// One setting, for help texts, the GUI and `--set key=value`.
struct SettingInfo {
  std::string key;    // dotted name, e.g. "teacher.lr"
  std::string value;  // current value as text
  std::string type;   // "int", "float", "bool", "string"
  std::string help;   // one line
};

// Every setting of a config with its current value.
std::vector<SettingInfo> listSettings(const RunConfig& config);
// Sets one setting from text ("teacher.lr", "2e-4"); throws Error on an unknown key or a bad value.
void applySetting(RunConfig& config, const std::string& key, const std::string& value);
// Checks ranges and combinations; throws Error naming the setting and what is expected.
void validateConfig(const RunConfig& config);
// JSON text of the whole config (pretty-printed).
std::string configToJson(const RunConfig& config);
// Parses JSON text; missing keys keep their defaults, unknown keys are an Error. `source` names it in errors.
RunConfig configFromJson(const std::string& json, const std::string& source);
// Reads a config file (JSON); throws Error naming the file.
RunConfig loadConfigFile(const std::string& path);

}  // namespace onestep
