// SiD: Score identity Distillation (Zhou et al., ICML 2024, arXiv 2404.04057), as mingyuanzhou/SiD's
// sid_training_loop.py and loss.py do it (docs/methods.md). Data-free: the generator G and the fake score
// f_psi start as copies of the frozen teacher f_phi; one iteration = one fake-score step + one generator step.
#include <cmath>

#include "diffusion/edm.h"
#include "dist/dist.h"
#include "onestep/error.h"
#include "train/checkpoint.h"
#include "train/losses.h"
#include "train/method.h"
#include "train/model_file.h"

namespace onestep::training {
namespace {

// Turns off requires_grad of parameters for a scope (and back on at its end, also when it throws).
class FrozenParameters {
 public:
  explicit FrozenParameters(std::vector<torch::Tensor> parameters) : m_parameters(std::move(parameters)) {
    for (auto& p : m_parameters) p.set_requires_grad(false);
  }
  ~FrozenParameters() {
    for (auto& p : m_parameters) p.set_requires_grad(true);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<torch::Tensor> m_parameters;
};

// Adam with betas (0, 0.999), as both SiD optimisers.
std::unique_ptr<torch::optim::Adam> makeAdam(nets::Denoiser& d, double lr) {
  return std::make_unique<torch::optim::Adam>(d.parameters(),
                                              torch::optim::AdamOptions(lr).betas({0.0, 0.999}).eps(1e-8));
}

class SidMethod : public Method {
 public:
  SidMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device)
      : m_config(config), m_shape(shape), m_device(device) {
    m_teacher = loadTeacher(config.teacher_model, shape, device);
    m_generator = m_teacher->clone();
    m_fake = m_teacher->clone();
    for (auto* d : {m_generator.get(), m_fake.get()})
      for (auto& p : d->parameters()) p.set_requires_grad(true);
    m_ema = m_generator->clone();
    m_ema->setTraining(false);
    m_optG = makeAdam(*m_generator, config.sid.lr_g);
    m_optF = makeAdam(*m_fake, config.sid.lr_f);
    m_syncG = std::make_unique<dist::GradientSync>(m_generator->parameters());
    m_syncF = std::make_unique<dist::GradientSync>(m_fake->parameters());
  }

  int64_t batchSize() const override { return m_config.batch; }

  // x_g = G(sigma_init z; sigma_init).
  torch::Tensor generateWith(nets::Denoiser& g, const torch::Tensor& z, const torch::Tensor& labels) {
    const double s = m_config.sid.sigma_init;
    return g.denoise(z * s, torch::full({z.size(0)}, s, z.options()), labels);
  }

  std::map<std::string, double> step(int64_t samplesBefore) override {
    const auto& c = m_config.sid;
    const int64_t share = dist::localBatch(m_config.batch);
    auto opts = torch::TensorOptions().device(m_device);
    torch::Tensor labels = randomLabels(share);
    m_generator->setTraining(true);
    m_fake->setTraining(true);

    // 1. Fake-score step: plain EDM denoising loss on detached generator samples.
    torch::Tensor xg;
    {
      torch::NoGradGuard guard;
      xg = generateWith(*m_generator, dist::randn(m_shape.batchShape(share), opts), labels);
    }
    auto fakeDenoise = [&](const torch::Tensor& x, const torch::Tensor& sigma) {
      return m_fake->denoise(x, sigma, labels);
    };
    auto lossF = diffusion::edmLoss(fakeDenoise, xg, m_config.teacher.p_mean, m_config.teacher.p_std,
                                    m_config.teacher.sigma_data)
                     .mean();
    const double lossFValue = dist::average(lossF.item<double>());
    if (!std::isfinite(lossFValue))
      throw Error("sid: fake-score loss is not finite; parameters left unchanged — lower sid.lr_f or sid.lr_g");
    m_optF->zero_grad();
    m_syncF->backward(lossF);
    sanitiseGradients(m_fake->parameters());
    setLearningRate(*m_optF, c.lr_f);
    m_fakeUndo.capture(m_fake->parameters(), *m_optF);
    try {
      m_optF->step();
      auto losses = generatorStep(samplesBefore, labels);
      losses["loss_fake"] = lossFValue;
      return losses;
    } catch (...) {
      m_fakeUndo.restore(m_fake->parameters(), *m_optF);  // the iteration failed as a whole
      throw;
    }
  }

  // 2. Generator step (fresh noise): sigma on the Karras curve for t ~ U[0, t_max], sigma in [0.002, 24.4].
  std::map<std::string, double> generatorStep(int64_t samplesBefore, const torch::Tensor& labels) {
    const auto& c = m_config.sid;
    const int64_t b = m_config.batch, share = dist::localBatch(b);
    auto opts = torch::TensorOptions().device(m_device);
    auto z = dist::randn(m_shape.batchShape(share), opts);
    auto x = generateWith(*m_generator, z, labels);
    std::vector<int64_t> view(static_cast<std::size_t>(x.dim()), 1);
    view[0] = share;
    // EDM's Karras curve (sigma 0.002..80, rho 7), fixed: the sampler.* settings are for teacher previews and
    // must not move SiD's training noise levels.
    constexpr double kSigmaMin = 0.002, kSigmaMax = 80.0, kRho = 7.0;
    const double a = std::pow(kSigmaMax, 1.0 / kRho), bmin = std::pow(kSigmaMin, 1.0 / kRho);
    auto t = dist::rand({share}, opts) * c.t_max;
    auto sigma = (a + (1 - t) * (bmin - a)).pow(kRho);
    auto xt = x + sigma.reshape(view) * dist::randnLike(x);
    // The teacher's and the fake score's parameters take no step here, but gradients flow through their inputs:
    // f_psi is frozen for this pass, so the backward pass computes no weight gradients for it (the teacher's
    // parameters are frozen for good). That is a third of f_psi's backward work (benchmarks/README.md).
    FrozenParameters frozenFake(m_fake->parameters());
    auto yReal = m_teacher->denoise(xt, sigma, labels);
    auto yFake = m_fake->denoise(xt, sigma, labels);
    auto perSample = sidGeneratorLoss(x, yReal, yFake, c.alpha);
    auto lossG = perSample.mean() * c.loss_scale;
    const double lossGValue = dist::average(lossG.item<double>());
    if (!std::isfinite(lossGValue))
      throw Error("sid: generator loss is not finite; the iteration was undone — lower sid.lr_g or sid.lr_f");
    m_optG->zero_grad();
    m_syncG->backward(lossG);
    sanitiseGradients(m_generator->parameters());
    setLearningRate(*m_optG, c.lr_g);
    m_optG->step();

    nets::emaUpdate(*m_ema, *m_generator, emaBeta(c.ema_halflife, m_config.teacher.ema_rampup, samplesBefore + b, b));
    return {{"loss_gen", lossGValue}};
  }

  void save(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive g, f, e, og, of;
    m_generator->save(g);
    m_fake->save(f);
    m_ema->save(e);
    m_optG->save(og);
    m_optF->save(of);
    archive.write("generator", g);
    archive.write("fake_score", f);
    archive.write("ema", e);
    archive.write("optimizer_g", og);
    archive.write("optimizer_f", of);
  }

  // An exported generator: the EMA weights, and the fake score so that a new run can continue from both
  // (sid.init); no optimiser state. The teacher is named by the config, as in training.
  void saveForSampling(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive e, f;
    m_ema->save(e);
    m_fake->save(f);
    archive.write("ema", e);
    archive.write("fake_score", f);
  }

  void startFrom(const std::string& model) override {
    LoadedModel from;
    try {
      from = loadModel(model, m_device, {});
    } catch (const Error& e) {
      throw Error(std::string("sid.init: ") + e.what());
    }
    if (!from.method || from.config.method != "sid")
      throw Error("sid.init '" + model + "': a " + (from.method ? from.config.method : std::string("TorchScript")) +
                  " model; expected a SiD generator (exported, run or checkpoint)");
    if (!(from.shape == m_shape))
      throw Error("sid.init '" + model + "' generates " + from.shape.text() + " but the data gives " + m_shape.text());
    auto copy = [&](const std::vector<torch::Tensor>& src, nets::Denoiser& dst, const char* what) {
      auto d = dst.parameters();
      if (d.size() != src.size())
        throw Error("sid.init '" + model + "': its " + what + " is not the teacher's architecture");
      torch::NoGradGuard guard;
      for (std::size_t i = 0; i < d.size(); ++i) {
        if (!d[i].sizes().equals(src[i].sizes()))
          throw Error("sid.init '" + model + "': its " + what + " is not the teacher's architecture");
        d[i].copy_(src[i]);
      }
    };
    copy(from.method->parameters("generator"), *m_generator, "generator");
    copy(from.method->parameters("ema"), *m_ema, "generator");
    copy(from.method->parameters("fake_score"), *m_fake, "fake score");
  }

  void load(torch::serialize::InputArchive& archive) override {
    torch::serialize::InputArchive g, f, e;
    torch::serialize::InputArchive og, of;
    archive.read("ema", e);
    m_ema->load(e);
    if (!archive.try_read("generator", g)) {
      // Exported: the EMA weights are the generator too; the fake score is there from exports that keep it.
      m_generator->copyFrom(*m_ema);
      if (archive.try_read("fake_score", f)) m_fake->load(f);
      for (auto* d : {m_generator.get(), m_fake.get(), m_ema.get()}) d->to(m_device);
      return;
    }
    archive.read("fake_score", f);
    m_generator->load(g);
    m_fake->load(f);
    if (archive.try_read("optimizer_g", og)) loadAdam(*m_optG, og);
    if (archive.try_read("optimizer_f", of)) loadAdam(*m_optF, of);
    for (auto* d : {m_generator.get(), m_fake.get(), m_ema.get()}) d->to(m_device);
  }

  torch::Tensor generate(const torch::Tensor& noise, const torch::Tensor& labels, const GenerateOptions& options,
                         int* nfe) override {
    torch::NoGradGuard guard;
    nets::Denoiser& g = options.ema ? *m_ema : *m_generator;
    g.setTraining(false);
    if (options.steps > 1) throw Error("sid: the generator samples in one step (--steps 2 is for ect and sct)");
    if (nfe) *nfe = 1;
    return generateWith(g, noise.to(m_device), labels);
  }

  void reconfigure(const RunConfig& config) override { m_config = config; }

  int numClasses() const override { return m_teacher->shape().numClasses; }
  nets::Denoiser* network(const std::string& role) override {
    return role == "teacher" ? m_teacher.get() : role == "fake_score" ? m_fake.get() : nullptr;
  }
  nets::Denoiser* exportable() override { return m_ema->isTorchScript() ? m_ema.get() : nullptr; }

  std::vector<torch::Tensor> parameters(const std::string& role) override {
    if (role == "teacher") return m_teacher->parameters();
    if (role == "generator") return m_generator->parameters();
    if (role == "ema") return m_ema->parameters();
    if (role == "fake_score") return m_fake->parameters();
    return {};
  }

 private:
  torch::Tensor randomLabels(int64_t b) {
    if (numClasses() <= 0) return {};
    return dist::randint(numClasses(), {b}, torch::kLong).to(m_device);
  }

  RunConfig m_config;
  nets::SampleShape m_shape;
  torch::Device m_device;
  std::unique_ptr<nets::Denoiser> m_teacher;    // f_phi, frozen
  std::unique_ptr<nets::Denoiser> m_generator;  // G, one step from sigma_init
  std::unique_ptr<nets::Denoiser> m_fake;       // f_psi, the generator distribution's score
  std::unique_ptr<nets::Denoiser> m_ema;        // EMA of G, used for sampling
  std::unique_ptr<torch::optim::Adam> m_optG, m_optF;
  std::unique_ptr<dist::GradientSync> m_syncG, m_syncF;
  UndoPoint m_fakeUndo;  // f_psi before this iteration's step
};

}  // namespace

MethodEntry sidMethod() {
  MethodInfo info;
  info.name = "sid";
  info.title = "SiD — Score identity Distillation";
  info.summary = "data-free: the generator and its fake score start from the teacher";
  info.reference = "Zhou et al., ICML 2024";
  info.needsTeacher = true;
  info.sections = {"sid"};
  info.samplingSteps = {1};
  info.fixedSettings = {"sid.init"};
  info.startSetting = "sid.init";
  info.resolveAuto = [](RunConfig& c, bool) {
    // 1e-4 for the engine's networks, images too: on the shipped Fashion-MNIST UNet 1e-5 reached FID 11.7 after 300
    // iterations and 1e-4 reached 3.4 after 2000 (docs/methods-on-images.md); the reference's 1e-5 is for a
    // 56M-parameter CIFAR-10 network at batch 256.
    if (c.sid.lr_g == 0) c.sid.lr_g = 1e-4;
    if (c.sid.lr_f == 0) c.sid.lr_f = c.sid.lr_g;
  };
  info.validate = [](const RunConfig& c) {
    requireSetting(c.sid.alpha >= 0, "sid.alpha must be >= 0");
    requireSetting(c.sid.sigma_init > 0, "sid.sigma_init must be > 0");
    requireSetting(c.sid.loss_scale > 0, "sid.loss_scale must be > 0 (0 would leave the generator untrained)");
    requireSetting(c.sid.t_max > 0 && c.sid.t_max <= 1, "sid.t_max must be in (0, 1]");
    requireSetting(c.sid.lr_g >= 0 && c.sid.lr_f >= 0, "sid.lr_g and sid.lr_f must be >= 0 (0 = auto)");
    requireSetting(c.sid.ema_halflife > 0, "sid.ema_halflife must be > 0");
  };
  return {info, [](const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource*) {
            return std::unique_ptr<Method>(std::make_unique<SidMethod>(config, shape, device));
          }};
}

}  // namespace onestep::training
