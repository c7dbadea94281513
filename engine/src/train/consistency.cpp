// ECT: Easy Consistency Tuning (Geng et al., "Consistency Models Made Easy", arXiv 2406.14548; locuslab/ect
// training/loss.py ECMLoss) and SCT: Stable Consistency Tuning (Wang et al., arXiv 2410.18958), which replaces
// ECT's target point by one from a variance-reduced score estimate over a reference batch (docs/methods.md).
// The consistency model f starts as a copy of the teacher and is tuned on data; one iteration = one update.
#include <cmath>
#include <sstream>

#include "dist/dist.h"
#include "onestep/error.h"
#include "train/losses.h"
#include "train/method.h"
#include "train/radam.h"

namespace onestep::training {
namespace {

std::string formatNumber(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

class ConsistencyMethod : public Method {
 public:
  ConsistencyMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device,
                    data::DataSource* data)
      : m_config(config), m_shape(shape), m_device(device), m_data(data), m_sct(config.method == "sct") {
    m_teacher = loadTeacher(config.teacher_model, shape, device);
    // A class-conditional model is tuned on the data's own labels, so they must be the classes it knows.
    const int classes = m_teacher->shape().numClasses;
    if (classes > 0 && classes != shape.numClasses)
      throw Error(config.method + ": the teacher '" + config.teacher_model + "' is conditional on " +
                  std::to_string(classes) + " classes but the data '" + config.data + "' has " +
                  (shape.numClasses > 0 ? std::to_string(shape.numClasses) + " classes" : "no labels") +
                  "; tune it on data with the same " + std::to_string(classes) + " classes");
    m_model = m_teacher->clone();
    if (config.ct.dropout >= 0 && !m_model->setDropout(config.ct.dropout))
      throw Error("ct.dropout: the dropout of a TorchScript teacher cannot be changed (leave ct.dropout at -1)");
    for (auto& p : m_model->parameters()) p.set_requires_grad(true);
    m_ema = m_model->clone();
    m_ema->setTraining(false);
    m_opt = std::make_unique<RAdam>(m_model->parameters(), config.ct.lr);
    m_sync = std::make_unique<dist::GradientSync>(m_model->parameters());
  }

  int64_t batchSize() const override { return m_config.batch; }
  int numClasses() const override { return m_teacher->shape().numClasses; }
  nets::Denoiser* network(const std::string& role) override { return role == "teacher" ? m_teacher.get() : nullptr; }

  std::map<std::string, double> step(int64_t samplesBefore) override {
    if (!m_data) throw Error(m_config.method + ": no data source to tune on");
    const auto& c = m_config.ct;
    const int64_t b = m_config.batch;
    auto gen = at::detail::getDefaultCPUGenerator();
    torch::Tensor labels, whole, wholeLabels;  // the share of this process, and the whole batch (SCT's references)
    auto y = dist::sampleShare(*m_data, b, &labels, &whole, &wholeLabels).to(m_device);
    if (labels.defined()) labels = labels.to(m_device);
    torch::Tensor condLabels = numClasses() > 0 ? labels : torch::Tensor();
    auto opts = torch::TensorOptions().device(m_device);

    // t ~ lognormal; r = r(t) for the current stage (the stage grows with the samples seen, shrinking t - r).
    int64_t stage = static_cast<int64_t>(static_cast<double>(samplesBefore) / c.stage_samples);
    if (c.stages > 0) stage = std::min(stage, c.stages - 1);
    auto t = (dist::randn({y.size(0)}, opts) * c.p_std + c.p_mean).exp();
    auto r = ectR(t, stage, c.k, c.b, c.q);
    auto view = perSampleView(y);
    auto eps = dist::randnLike(y);
    auto xT = y + t.reshape(view) * eps;
    torch::Tensor xR;  // shared noise: both points lie on one noising path
    if (m_sct) {
      // SCT: x_r = x_t + (r - t)(x_t - x0_hat)/t with x0_hat from the batch plus extra reference samples.
      torch::NoGradGuard guard;
      // The references are the whole batch (every process's share) and the extra samples.
      torch::Tensor refLabels, refs = whole.to(m_device);
      if (wholeLabels.defined()) wholeLabels = wholeLabels.to(m_device);
      if (m_config.sct.ref_batch > 0) {
        auto extra = m_data->sample(m_config.sct.ref_batch, gen, &refLabels).to(m_device);
        refs = torch::cat({refs, extra});
        if (labels.defined()) refLabels = torch::cat({wholeLabels, refLabels.to(m_device)});
      } else {
        refLabels = wholeLabels;
      }
      // The class restriction is for class-conditional models (SCT's conditional runs): an unconditional
      // model's target averages over every class, so there the whole reference batch counts.
      torch::Tensor allowed;
      if (m_config.sct.same_class && labels.defined() && numClasses() > 0)
        allowed = labels.reshape({-1, 1}) == refLabels.reshape({1, -1});
      auto x0 = sctDenoised(xT, t, refs, allowed);
      xR = xT + ((r - t) / t).reshape(view) * (xT - x0);
    } else {
      xR = y + r.reshape(view) * eps;
    }

    m_model->setTraining(true);
    // The target is the same online network at (x_r, r) without gradient and with the same dropout mask:
    // the generator state is rewound between the two calls.
    RngSnapshot rng(m_device);
    auto dT = m_model->denoise(xT, t, condLabels);
    torch::Tensor dR;
    {
      torch::NoGradGuard guard;
      rng.restore();
      auto positive = r > 0;
      dR = m_model->denoise(xR, r.clamp_min(c.sigma_min * 1e-3), condLabels).nan_to_num(0.0, 0.0, 0.0);
      // Boundary condition: where r = 0 the target is the point itself (f(x, 0) = x).
      dR = torch::where(positive.reshape(view), dR, xR);
    }
    auto loss = consistencyLoss(dT, dR, ectGap(t, stage, c.k, c.b, c.q), c.huber_c).mean();
    const double value = dist::average(loss.item<double>());
    if (!std::isfinite(value))
      throw Error(m_config.method + ": loss is not finite; parameters left unchanged — lower ct.lr");
    m_opt->zeroGrad();
    m_sync->backward(loss);
    sanitiseGradients(m_model->parameters());
    m_opt->setLr(c.lr);
    m_opt->step();
    nets::emaUpdate(*m_ema, *m_model, emaBeta(c.ema_halflife, m_config.teacher.ema_rampup, samplesBefore + b, b));
    const double ratio = 1 - std::pow(c.q, -static_cast<double>(stage + 1));  // r/t at large t
    return {{"loss", value}, {"stage", static_cast<double>(stage)}, {"r_over_t", ratio}};
  }

  // f with the boundary preconditioning of evaluation: c_skip = sd^2/((t - s_min)^2 + sd^2),
  // c_out = (t - s_min) sd / sqrt(t^2 + sd^2), so f(x, s_min) = x exactly. The network output F is recovered
  // from the EDM-preconditioned denoiser D = c_skip x + c_out F, which works for native and TorchScript models.
  torch::Tensor evaluate(nets::Denoiser& f, const torch::Tensor& x, double t, const torch::Tensor& labels) {
    const double sd = m_config.teacher.sigma_data, smin = m_config.ct.sigma_min;
    auto d = f.denoise(x, torch::full({x.size(0)}, t, x.options()), labels);
    const double cSkip = sd * sd / (t * t + sd * sd), cOut = t * sd / std::sqrt(t * t + sd * sd);
    const double bSkip = sd * sd / ((t - smin) * (t - smin) + sd * sd);
    const double bOut = (t - smin) * sd / std::sqrt(t * t + sd * sd);
    return bSkip * x + bOut * (d - cSkip * x) / cOut;
  }

  torch::Tensor generate(const torch::Tensor& noise, const torch::Tensor& labels, const GenerateOptions& options,
                         int* nfe) override {
    torch::NoGradGuard guard;
    const int steps = options.steps <= 0 ? 1 : options.steps;
    if (steps > 2) throw Error(m_config.method + ": samples in 1 or 2 steps, not " + std::to_string(steps));
    nets::Denoiser& f = options.ema ? *m_ema : *m_model;
    f.setTraining(false);
    torch::Tensor cond = numClasses() > 0 && labels.defined() ? labels.to(m_device) : torch::Tensor();
    const auto& c = m_config.ct;
    const double tMid = options.tMid > 0 ? options.tMid : c.t_mid;
    if (steps == 2 && !(tMid > c.sigma_min && tMid < c.sigma_max))
      throw Error(m_config.method + ": t_mid " + formatNumber(tMid) + " must lie between the run's sigma_min " +
                  formatNumber(c.sigma_min) + " and sigma_max " + formatNumber(c.sigma_max));
    auto x = evaluate(f, noise.to(m_device) * c.sigma_max, c.sigma_max, cond);
    if (steps == 2) {
      // Second step: re-noise to t_mid and denoise again (ECT's two-step sampler).
      auto n = options.stepNoise.defined() ? options.stepNoise.to(m_device) : torch::randn_like(x);
      x = evaluate(f, x + tMid * n, tMid, cond);
    }
    if (nfe) *nfe = steps;
    return x;
  }

  void save(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive model, ema, optim;
    m_model->save(model);
    m_ema->save(ema);
    m_opt->save(optim);
    archive.write("model", model);
    archive.write("ema", ema);
    archive.write("optimizer", optim);
  }

  // An exported consistency model: the EMA weights only (the teacher is named by the config, as in training).
  void saveForSampling(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive ema;
    m_ema->save(ema);
    archive.write("ema", ema);
  }

  void load(torch::serialize::InputArchive& archive) override {
    torch::serialize::InputArchive model, ema, optim;
    archive.read("ema", ema);
    m_ema->load(ema);
    if (archive.try_read("model", model))
      m_model->load(model);
    else
      m_model->copyFrom(*m_ema);  // exported: the EMA weights are the online model too
    if (archive.try_read("optimizer", optim)) m_opt->load(optim);
    m_model->to(m_device);
    m_ema->to(m_device);
  }

  void reconfigure(const RunConfig& config) override { m_config = config; }

  std::vector<torch::Tensor> parameters(const std::string& role) override {
    if (role == "teacher") return m_teacher->parameters();
    if (role == "generator") return m_model->parameters();
    return {};
  }

 private:
  static std::vector<int64_t> perSampleView(const torch::Tensor& x) {
    std::vector<int64_t> view(static_cast<std::size_t>(x.dim()), 1);
    view[0] = -1;
    return view;
  }

  RunConfig m_config;
  nets::SampleShape m_shape;
  torch::Device m_device;
  data::DataSource* m_data;
  bool m_sct;
  std::unique_ptr<nets::Denoiser> m_teacher;  // frozen copy of the teacher (its parameters stay as loaded)
  std::unique_ptr<nets::Denoiser> m_model;    // the consistency model f, tuned
  std::unique_ptr<nets::Denoiser> m_ema;      // EMA of f, used for sampling
  std::unique_ptr<RAdam> m_opt;
  std::unique_ptr<dist::GradientSync> m_sync;
};

// ECT and SCT share the method; config.method tells them apart.
std::unique_ptr<Method> makeConsistencyMethod(const RunConfig& config, const nets::SampleShape& shape,
                                              torch::Device device, data::DataSource* data) {
  return std::make_unique<ConsistencyMethod>(config, shape, device, data);
}

}  // namespace

MethodEntry ectMethod() {
  MethodInfo info;
  info.name = "ect";
  info.title = "ECT — Easy Consistency Tuning";
  info.summary = "the teacher tuned into a consistency model on the data";
  info.reference = "Geng et al., ICLR 2025";
  info.needsTeacher = true;
  info.sections = {"ct"};
  info.samplingSteps = {1, 2};
  info.fixedSettings = {"ct.dropout"};
  info.resolveAuto = [](RunConfig& c, bool points) {
    if (c.ct.sigma_max == 0) c.ct.sigma_max = points ? 10.0 : 80.0;
    if (c.ct.q == 0) c.ct.q = points ? 1.5 : 2.0;
    if (c.ct.stage_samples == 0) c.ct.stage_samples = points ? 40000 : 128000;
    // Images: t - r stops shrinking after stage 3 (4 stages of 128 000 images). On the shipped Fashion-MNIST teacher
    // ECT with no limit was best at stages 3-4 and then drifted (1-step FID 15.4 at 8000 iterations, 79 at 52 000);
    // held at stage 3 from 6500 on it kept improving (docs/methods-on-images.md).
    if (c.ct.stages == 0) c.ct.stages = points ? 11 : 4;
  };
  info.validate = [](const RunConfig& c) {
    requireSetting(c.ct.p_std > 0, "ct.p_std must be > 0");
    requireSetting(c.ct.k >= 0 && c.ct.b >= 0, "ct.k and ct.b must be >= 0");
    requireSetting(c.ct.q == 0 || c.ct.q > 1, "ct.q must be > 1 (0 = auto)");
    requireSetting(c.ct.stage_samples >= 0, "ct.stage_samples must be > 0 (0 = auto)");
    requireSetting(c.ct.stages >= -1, "ct.stages must be >= 1 (0 = auto, -1 = no limit)");
    requireSetting(c.ct.huber_c >= 0, "ct.huber_c must be >= 0");
    requireSetting(c.ct.lr > 0, "ct.lr must be > 0");
    requireSetting(c.ct.dropout == -1 || (c.ct.dropout >= 0 && c.ct.dropout < 1), "ct.dropout must be -1 or in [0, 1)");
    requireSetting(c.ct.ema_halflife > 0, "ct.ema_halflife must be > 0");
    requireSetting(
        c.ct.sigma_min > 0 && c.ct.t_mid > c.ct.sigma_min && (c.ct.sigma_max == 0 || c.ct.sigma_max > c.ct.t_mid),
        "ct needs 0 < sigma_min < t_mid < sigma_max (sigma_max 0 = auto)");
  };
  return {info, makeConsistencyMethod};
}

MethodEntry sctMethod() {
  MethodInfo info;
  info.name = "sct";
  info.title = "SCT — Stable Consistency Tuning";
  info.summary = "ECT with a reference-batch target (sct.ref_batch)";
  info.reference = "Wang, Geng & Li, 2024";
  info.needsTeacher = true;
  info.sections = {"ct", "sct"};
  info.samplingSteps = {1, 2};
  info.fixedSettings = {"ct.dropout"};
  info.resolveAuto = [](RunConfig& c, bool points) {
    if (c.sct.ref_batch == -1) c.sct.ref_batch = points ? 4096 : 256;
  };
  info.validate = [](const RunConfig& c) {
    requireSetting(c.sct.ref_batch >= -1 && c.sct.ref_batch <= 65536, "sct.ref_batch must be in 0..65536 (-1 = auto)");
  };
  return {info, makeConsistencyMethod};
}

}  // namespace onestep::training
