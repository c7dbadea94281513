// Run configuration: typed settings with defaults, serialised to JSON in one place (config.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onestep {

// The denoiser network.
struct NetConfig {
  std::string arch = "auto";           // "mlp" (points), "unet" (images), or "auto" (by data kind)
  int hidden = 256;                    // MLP: width of each hidden layer
  int depth = 4;                       // MLP: number of hidden layers
  int channels = 32;                   // UNet: channels at the first resolution
  std::string channel_mult = "1,2,2";  // UNet: channel multiplier per resolution (each level halves H, W)
  int res_blocks = 1;                  // UNet: residual blocks per resolution
  double dropout = 0.0;                // dropout probability inside residual blocks / MLP layers
  bool class_cond = false;             // condition on class labels (data must have them)
};

// EDM denoiser training (Karras et al. 2022, training/loss.py EDMLoss).
struct TeacherConfig {
  double lr = 0.0;              // Adam learning rate; 0 = auto (1e-3 for MLP, 2e-4 for UNet)
  double lr_rampup = 10000;     // samples over which lr ramps linearly from 0
  double ema_halflife = 20000;  // EMA half-life in samples (beta = 0.5^(batch/halflife))
  double ema_rampup = 0.05;     // half-life is at most this fraction of samples seen (0 = off)
  double p_mean = -1.2;         // ln(sigma) ~ N(p_mean, p_std^2) during training
  double p_std = 1.2;           //
  double sigma_data = 0.5;      // data standard deviation assumed by the preconditioning
  double grad_clip = 0.0;       // clip gradient norm to this value (0 = off)
};

// Score identity Distillation (Zhou et al. 2024; mingyuanzhou/SiD sid_training_loop / sid_loss).
struct SidConfig {
  double alpha = 1.2;           // weight of the (y_real - y_fake)^2 term; 0.5..1 is steadier on some data
  double sigma_init = 2.5;      // generator input noise level: x_g = G(sigma_init z; sigma_init)
  double t_max = 0.8;           // generator-step sigma from t ~ U[0, t_max] on the Karras curve (<= 24.4)
  double lr_g = 0.0;            // generator Adam lr; 0 = auto (1e-4)
  double lr_f = 0.0;            // fake-score Adam lr; 0 = auto (same as lr_g)
  double loss_scale = 100.0;    // the reference's x100 on the generator loss
  double ema_halflife = 20000;  // generator EMA half-life in samples
  std::string init;             // a SiD model (exported, run, checkpoint, shipped name) that G, its EMA and the
                                // fake score start from instead of the teacher; "" = the teacher
};

// Easy Consistency Tuning (Geng et al. 2024, locuslab/ect training/loss.py ECMLoss), also the base of SCT.
struct ConsistencyConfig {
  double p_mean = -1.1;          // ln(t) ~ N(p_mean, p_std^2) for the training time t
  double p_std = 2.0;            //
  double k = 8.0;                // r(t) = t (1 - (1 + k sigmoid(-b t)) / q^(s+1)), clamped >= 0
  double b = 1.0;                //
  double q = 0.0;                // each stage s divides t - r by q; 0 = auto (2 images, as ECT; 1.5 points)
  double stage_samples = 0.0;    // training samples per stage; 0 = auto (128000 images, 40000 points)
                                 // (3.2M images on CIFAR-10; points: a smoother schedule of more, smaller
                                 // steps, stopped at 11 stages, see docs/methods-on-toys.md)
  int64_t stages = 0;            // stages in all: t - r stops shrinking at the last; 0 = auto (11 points,
                                 // 4 images), -1 = no limit (long runs at a tiny t - r degrade, see
                                 // docs/methods-on-toys.md and docs/methods-on-images.md)
  double huber_c = 0.0;          // pseudo-Huber sqrt(d + c^2) - c on the squared distance d; 0 = L2 norm
  double lr = 1e-4;              // RAdam learning rate
  double dropout = -1.0;         // dropout of the consistency model; -1 = keep the teacher's (0.2 in ECT)
  double ema_halflife = 100000;  // EMA half-life in samples (100000: ~200 iterations of 512)
  double sigma_min = 0.002;      // boundary f(x, sigma_min) = x when sampling
  double sigma_max = 0.0;        // one-step sampling: x = f(sigma_max z, sigma_max); 0 = auto (80 images, 10 points:
                                 // lognormal t rarely reaches 80, and 2-D data is pure noise at 10 already)
  double t_mid = 0.821;          // two-step sampling: x = f(x1 + t_mid n, t_mid)
};

// Stable Consistency Tuning (Wang et al. 2024): ECT with a reference-batch score-identity target.
struct SctConfig {
  int64_t ref_batch = -1;  // data samples in the reference batch besides the training batch; 0 = the batch
                           // alone; -1 = auto (256 images; 4096 points, where more references make the
                           // target nearer the data's own posterior mean at little cost)
  bool same_class = true;  // class-conditional model: only same-class references count
};

// Score Mismatching: a generator and an epsilon-predicting score net trained from scratch on 10 small noise levels.
struct SmmConfig {
  int latent = 0;          // generator input size; 0 = auto (8 for points, 64 for images)
  int gen_hidden = 0;      // generator MLP width (points) or last conv channels (images); 0 = auto (256, 64)
  int gen_depth = 3;       // points: generator MLP hidden layers
  int levels = 10;         // noise levels T: beta = linspace(beta_min, beta_max, T), sigma_t = sqrt(1 - prod(1-beta))
  double beta_min = 1e-4;  //
  double beta_max = 0.02;  //
  double lr_g = 0.0;       // generator Adam lr, betas (0, 0.99); 0 = auto (1e-3 points, 2.5e-3 images)
  double lr_s = 0.0;       // score-net Adam lr; 0 = auto (same as smm.lr_g)
  double r1_gamma = 0.01;  // lazy R1 weight on noisy reals
  int r1_every = 16;       // iterations between R1 penalties (0 = off)
  double ema_halflife = 20000;  // generator EMA half-life in samples
  int score_steps = 1;          // score-net steps per generator step
  double lr_halflife = 0;       // both lrs halve every this many samples from the run's start (0 = constant)
};

// The teacher's Karras-schedule sampler (EDM "Algorithm 2").
struct SamplerConfig {
  std::string sampler = "heun";  // "heun" (2nd order) or "euler"
  int steps = 18;                // N time steps; Heun uses 2N-1 network evaluations
  double sigma_min = 0.002;      // last non-zero noise level
  double sigma_max = 80.0;       // first noise level
  double rho = 7.0;              // schedule curvature
};

// Everything a run needs; config.json in the run directory holds it with defaults filled in.
struct RunConfig {
  std::string method = "teacher";       // what this run trains: teacher, sid, smm, ect or sct
  std::string teacher_model = "";       // distillation: the teacher (run directory, checkpoint or TorchScript file)
  std::string data = "toy:8gaussians";  // data spec (see data.h)
  int64_t steps = 3000;                 // iterations to train in total
  int64_t batch = 0;                    // samples per iteration; 0 = auto (512 points, 64 images)
  uint64_t seed = 0;                    // seeds every noise source of the run
  std::string device = "auto";          // "auto", "cpu", "cuda", "cuda:N"
  int threads = 0;                      // LibTorch intra-op threads; 0 = all cores
  int64_t log_every = 10;               // iterations between metrics.jsonl lines
  int64_t checkpoint_every = 1000;      // iterations between checkpoints (and one at the end)
  int64_t keep_checkpoints = 3;         // checkpoints kept on disk (older ones are removed)
  int64_t snapshot_every = 500;         // iterations between sample snapshots in snapshots/ (0 = off)
  int64_t snapshot_count = 0;  // samples in each snapshot (fixed evaluation noise); 0 = auto (1000 points, 64 images)
  int64_t eval_every = -1;     // iterations between FID evaluations; -1 = auto (at most ~10% of training time), 0 = off
  int64_t eval_count = 0;      // samples per evaluation; 0 = auto (2000 points; images 1000, teacher 200)
  std::string eval_features = "auto";  // feature extractor of evaluations (see metrics.h)
  NetConfig net;                       // denoiser network
  TeacherConfig teacher;               // EDM training settings
  SidConfig sid;                       // SiD settings (method sid)
  ConsistencyConfig ct;                // ECT settings (methods ect and sct)
  SctConfig sct;                       // SCT's reference-batch target (method sct)
  SmmConfig smm;                       // Score Mismatching settings (method smm)
  SamplerConfig sampler;               // sampler for snapshots and default sampling
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
// The config with its automatic settings (batch 0, sid.lr_g 0, net.arch auto, ...) filled in as a run on its data
// would fill them (they depend on points against images, which the spec's toy: prefix tells; the data is not
// opened); the settings only a running run decides (eval_every -1, device auto) stay as they are.
RunConfig resolvedConfig(const RunConfig& config);
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
