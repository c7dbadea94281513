// Score Mismatching (senmaoy/Score-Mismatching training/loss.py; docs/methods.md): an epsilon-predicting score
// net S on 10 small noise levels learns to predict the noise on real data ("matching") and an independent
// noise on generated data ("mismatching"); the generator G is trained so that S predicts its noise again.
// Both start from scratch: no teacher. One iteration = smm.score_steps score-net steps (each on a fresh real
// batch; lazy R1 on the first) + one generator step.
#include <cmath>

#include "dist/dist.h"
#include "nets/generator.h"
#include "onestep/error.h"
#include "train/checkpoint.h"
#include "train/losses.h"
#include "train/method.h"

namespace onestep::training {
namespace {

std::unique_ptr<torch::optim::Adam> makeAdam(torch::nn::Module& m, double lr) {
  return std::make_unique<torch::optim::Adam>(m.parameters(),
                                              torch::optim::AdamOptions(lr).betas({0.0, 0.99}).eps(1e-8));
}

class SmmMethod : public Method {
 public:
  SmmMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource* data)
      : m_config(config), m_shape(shape), m_device(device), m_data(data) {
    const auto& c = config.smm;
    m_classes = config.net.class_cond ? shape.numClasses : 0;
    m_gen = nets::makeGenerator(shape, c.latent, c.gen_hidden, c.gen_depth, m_classes);
    m_gen->to(device);
    m_ema = m_gen->clone();
    m_ema->to(device);
    m_ema->eval();
    m_score = nets::makeRawModule(config.net, shape);
    m_score->to(device);
    m_sigmas = smmSigmas(c.levels, c.beta_min, c.beta_max).to(device);
    m_optG = makeAdam(*m_gen, c.lr_g);
    m_optS = makeAdam(*m_score, c.lr_s);
    m_syncG = std::make_unique<dist::GradientSync>(m_gen->parameters());
    m_syncS = std::make_unique<dist::GradientSync>(m_score->parameters());
  }

  int64_t batchSize() const override { return m_config.batch; }
  int numClasses() const override { return m_classes; }
  std::vector<int64_t> latentShape() const override { return {m_config.smm.latent}; }

  std::map<std::string, double> step(int64_t samplesBefore) override {
    if (!m_data) throw Error("smm: no data source to train on");
    const auto& c = m_config.smm;
    const int64_t b = m_config.batch;
    const double lrScale = c.lr_halflife > 0 ? std::pow(0.5, static_cast<double>(samplesBefore) / c.lr_halflife) : 1.0;
    m_gen->train();
    m_score->train();
    const int64_t iteration = samplesBefore / std::max<int64_t>(b, 1);
    std::map<std::string, double> out;
    torch::Tensor labels;
    // Once the score net has stepped, a later failure (a further score-net step, the generator step) puts it
    // back: the iteration is undone as a whole.
    bool stepped = false;
    try {
      for (int k = 0; k < c.score_steps; ++k) {
        scoreStep(k, k == 0 && c.r1_every > 0 && c.r1_gamma > 0 && iteration % c.r1_every == 0, lrScale, &labels, &out,
                  &stepped);
      }
      out["loss_gen"] = generatorStep(labels, lrScale);
    } catch (...) {
      if (stepped) m_scoreUndo.restore(m_score->parameters(), *m_optS);
      for (auto& p : m_score->parameters()) p.set_requires_grad(true);
      throw;
    }
    emaUpdateModules(emaBeta(c.ema_halflife, m_config.teacher.ema_rampup, samplesBefore + b, b));
    return out;
  }

  // 1. One score-net step on a fresh real batch: matching on noisy reals, mismatching (an independent noise)
  // on noisy fakes, and lazy R1 when `r1`. Logs the losses into *out (the last step's; r1: the first's) and
  // sets *labels to the batch's labels (undefined when unconditional).
  void scoreStep(int k, bool r1, double lrScale, torch::Tensor* labels, std::map<std::string, double>* out,
                 bool* stepped) {
    const auto& c = m_config.smm;
    const int64_t share = dist::localBatch(m_config.batch);
    auto opts = torch::TensorOptions().device(m_device);
    auto y = dist::sampleShare(*m_data, m_config.batch, labels).to(m_device);
    *labels = m_classes > 0 && labels->defined() ? labels->to(m_device) : torch::Tensor();
    torch::Tensor fake;
    {
      torch::NoGradGuard guard;
      fake = generator(*m_gen).generate(dist::randn({share, c.latent}, opts), *labels);
    }
    auto [xReal, epsReal, levelReal] = noisy(y);
    auto lossReal = squaredError(score(xReal, levelReal, *labels), epsReal).mean();
    auto [xFake, epsFake, levelFake] = noisy(fake);
    (void)epsFake;
    auto lossFake = squaredError(score(xFake, levelFake, *labels), dist::randnLike(fake)).mean();
    auto lossS = lossReal + lossFake;
    double r1Value = 0;
    if (r1) {
      // Lazy R1 (StyleGAN2): gradient penalty on noisy reals, scaled by the interval in score-net steps.
      auto [xR1, epsR1, levelR1] = noisy(y);
      (void)epsR1;
      auto x = xR1.detach().requires_grad_(true);
      auto o = score(x, levelR1, *labels);
      auto grad = torch::autograd::grad({o.sum()}, {x}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
      auto penalty = grad.square().flatten(1).sum(1).mean();
      r1Value = penalty.item<double>();
      lossS = lossS + penalty * (c.r1_gamma / 2) * (c.r1_every * c.score_steps);
    }
    const auto values = dist::average({lossReal.item<double>(), lossFake.item<double>(), r1Value});
    const double realValue = values[0], fakeValue = values[1];
    r1Value = values[2];
    if (r1) (*out)["r1"] = r1Value;
    (*out)["loss_real"] = realValue;
    (*out)["loss_fake"] = fakeValue;
    if (!std::isfinite(realValue + fakeValue + r1Value))
      throw Error("smm: score-net loss is not finite at score-net step " + std::to_string(k + 1) + " of " +
                  std::to_string(c.score_steps) +
                  (*stepped ? "; the iteration was undone" : "; parameters left unchanged") + " — lower smm.lr_s" +
                  (c.score_steps > 1 ? " or smm.score_steps" : ""));
    m_optS->zero_grad();
    m_syncS->backward(lossS);
    sanitiseGradients(m_score->parameters());
    setLearningRate(*m_optS, c.lr_s * lrScale);
    if (!*stepped) m_scoreUndo.capture(m_score->parameters(), *m_optS);
    *stepped = true;
    m_optS->step();
  }

  // 2. Generator step: S frozen, its gradient reaching G through S's input. Returns the generator loss.
  double generatorStep(const torch::Tensor& labels, double lrScale) {
    const auto& c = m_config.smm;
    auto opts = torch::TensorOptions().device(m_device);
    for (auto& p : m_score->parameters()) p.set_requires_grad(false);
    auto x = generator(*m_gen).generate(dist::randn({dist::localBatch(m_config.batch), c.latent}, opts), labels);
    auto [xNoisy, eps, level] = noisy(x);
    auto lossG = 0.5 * squaredError(score(xNoisy, level, labels), eps).mean();
    for (auto& p : m_score->parameters()) p.set_requires_grad(true);
    const double value = dist::average(lossG.item<double>());
    if (!std::isfinite(value))
      throw Error("smm: generator loss is not finite; the iteration was undone — lower smm.lr_g or smm.lr_s");
    m_optG->zero_grad();
    m_syncG->backward(lossG);
    sanitiseGradients(m_gen->parameters());
    setLearningRate(*m_optG, c.lr_g * lrScale);
    m_optG->step();
    return value;
  }

  torch::Tensor generate(const torch::Tensor& noise, const torch::Tensor& labels, const GenerateOptions& options,
                         int* nfe) override {
    torch::NoGradGuard guard;
    if (options.steps > 1) throw Error("smm: the generator samples in one step (--steps 2 is for ect and sct)");
    auto& g = options.ema ? *m_ema : *m_gen;
    g.eval();
    if (nfe) *nfe = 1;
    auto z = noise.to(m_device).reshape({noise.size(0), -1});
    if (z.size(1) != m_config.smm.latent)
      throw Error("smm: latent noise has " + std::to_string(z.size(1)) + " values per sample, expected " +
                  std::to_string(m_config.smm.latent));
    return generator(g).generate(z, m_classes > 0 && labels.defined() ? labels.to(m_device) : torch::Tensor());
  }

  void save(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive g, s, e, og, os;
    m_gen->save(g);
    m_score->save(s);
    m_ema->save(e);
    m_optG->save(og);
    m_optS->save(os);
    archive.write("generator", g);
    archive.write("score", s);
    archive.write("ema", e);
    archive.write("optimizer_g", og);
    archive.write("optimizer_s", os);
  }

  // An exported generator: the EMA generator only (no score net: it samples, it does not train).
  void saveForSampling(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive e;
    m_ema->save(e);
    archive.write("ema", e);
  }

  void load(torch::serialize::InputArchive& archive) override {
    torch::serialize::InputArchive g, s, e, og, os;
    archive.read("ema", e);
    m_ema->load(e);
    if (!archive.try_read("generator", g)) {  // exported: the EMA weights are the online generator too
      torch::serialize::InputArchive again;
      archive.read("ema", again);
      m_gen->load(again);
      for (auto* m : {m_gen.get(), m_score.get(), m_ema.get()}) m->to(m_device);
      return;
    }
    archive.read("score", s);
    m_gen->load(g);
    m_score->load(s);
    if (archive.try_read("optimizer_g", og)) loadAdam(*m_optG, og);
    if (archive.try_read("optimizer_s", os)) loadAdam(*m_optS, os);
    for (auto* m : {m_gen.get(), m_score.get(), m_ema.get()}) m->to(m_device);
  }

  void reconfigure(const RunConfig& config) override { m_config = config; }

  std::vector<torch::Tensor> parameters(const std::string& role) override {
    if (role == "generator") return m_gen->parameters();
    if (role == "score") return m_score->parameters();
    return {};
  }

 private:
  static nets::GeneratorNet& generator(torch::nn::Module& m) { return dynamic_cast<nets::GeneratorNet&>(m); }

  // x + sigma_t eps for a uniformly drawn level t per sample; returns (noisy x, eps, level index).
  std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> noisy(const torch::Tensor& x) {
    auto level =
        dist::randint(m_config.smm.levels, {x.size(0)}, torch::TensorOptions().dtype(torch::kLong).device(m_device));
    auto eps = dist::randnLike(x);
    std::vector<int64_t> view(static_cast<std::size_t>(x.dim()), 1);
    view[0] = -1;
    return {x + m_sigmas.index_select(0, level).reshape(view) * eps, eps, level};
  }

  // S(x, t): the raw network conditioned on ln(sigma_t)/4 (the EDM noise embedding), predicting eps.
  torch::Tensor score(const torch::Tensor& x, const torch::Tensor& level, const torch::Tensor& labels) {
    auto cNoise = m_sigmas.index_select(0, level).log() / 4;
    return dynamic_cast<nets::RawNet&>(*m_score).forwardRaw(x, cNoise, labels);
  }

  void emaUpdateModules(double beta) {
    torch::NoGradGuard guard;
    auto e = m_ema->parameters();
    auto o = m_gen->parameters();
    for (std::size_t i = 0; i < e.size(); ++i) e[i].mul_(beta).add_(o[i], 1 - beta);
  }

  RunConfig m_config;
  nets::SampleShape m_shape;
  torch::Device m_device;
  data::DataSource* m_data;
  int m_classes = 0;
  std::shared_ptr<torch::nn::Module> m_gen;    // G, trained
  std::shared_ptr<torch::nn::Module> m_ema;    // EMA of G, used for sampling
  std::shared_ptr<torch::nn::Module> m_score;  // S, epsilon prediction on the noise levels
  torch::Tensor m_sigmas;                      // sigma_t of the T levels
  std::unique_ptr<torch::optim::Adam> m_optG, m_optS;
  std::unique_ptr<dist::GradientSync> m_syncG, m_syncS;
  UndoPoint m_scoreUndo;  // S before this iteration's first score-net step
};

}  // namespace

MethodEntry smmMethod() {
  MethodInfo info;
  info.name = "smm";
  info.title = "Score Mismatching";
  info.summary = "a generator and a score net trained from scratch on the data (no teacher)";
  info.reference = "Ye & Liu, 2023";
  info.sections = {"smm"};
  info.samplingSteps = {1};
  info.fixedSettings = {"smm.latent", "smm.gen_hidden", "smm.gen_depth", "smm.levels", "smm.beta_min", "smm.beta_max"};
  info.resolveAuto = [](RunConfig& c, bool points) {
    if (c.smm.gen_hidden == 0) c.smm.gen_hidden = points ? 256 : 64;
    if (c.smm.latent == 0) c.smm.latent = points ? 8 : 64;
    if (c.smm.lr_g == 0) c.smm.lr_g = points ? 1e-3 : 2.5e-3;
    if (c.smm.lr_s == 0) c.smm.lr_s = c.smm.lr_g;
  };
  info.validate = [](const RunConfig& c) {
    requireSetting(c.smm.latent >= 0 && c.smm.latent <= 4096, "smm.latent must be in 0..4096 (0 = auto)");
    requireSetting((c.smm.gen_hidden == 0 || c.smm.gen_hidden >= 4) && c.smm.gen_depth >= 1,
                   "smm.gen_hidden must be 0 (auto) or >= 4 and smm.gen_depth >= 1");
    requireSetting(c.smm.levels >= 1 && c.smm.levels <= 1000, "smm.levels must be in 1..1000");
    requireSetting(c.smm.beta_min > 0 && c.smm.beta_max >= c.smm.beta_min && c.smm.beta_max < 1,
                   "smm needs 0 < beta_min <= beta_max < 1");
    requireSetting(c.smm.lr_g >= 0 && c.smm.lr_s >= 0, "smm.lr_g and smm.lr_s must be >= 0 (0 = auto)");
    requireSetting(c.smm.r1_gamma >= 0 && c.smm.r1_every >= 0, "smm.r1_gamma and smm.r1_every must be >= 0");
    requireSetting(c.smm.ema_halflife > 0, "smm.ema_halflife must be > 0");
    requireSetting(c.smm.score_steps >= 1 && c.smm.score_steps <= 100, "smm.score_steps must be in 1..100");
    requireSetting(c.smm.lr_halflife >= 0, "smm.lr_halflife must be >= 0 (0 = constant)");
  };
  return {info,
          [](const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource* data) {
            return std::unique_ptr<Method>(std::make_unique<SmmMethod>(config, shape, device, data));
          }};
}

}  // namespace onestep::training
