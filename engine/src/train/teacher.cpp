// The teacher: an EDM denoiser trained by denoising score matching (NVlabs/edm training/loss.py EDMLoss,
// training/training_loop.py for the learning-rate ramp-up and the EMA half-life).
#include <cmath>

#include "diffusion/edm.h"
#include "dist/dist.h"
#include "onestep/error.h"
#include "train/checkpoint.h"
#include "train/method.h"

namespace onestep::training {
namespace {

class TeacherMethod : public Method {
 public:
  TeacherMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource* data)
      : m_config(config), m_device(device), m_data(data) {
    m_net = nets::makeNativeDenoiser(config.net, shape, config.teacher.sigma_data);
    m_net->to(device);
    m_ema = m_net->clone();
    m_ema->setTraining(false);
    m_optimizer = std::make_unique<torch::optim::Adam>(
        m_net->parameters(), torch::optim::AdamOptions(config.teacher.lr).betas({0.9, 0.999}).eps(1e-8));
    m_sync = std::make_unique<dist::GradientSync>(m_net->parameters());
  }

  int64_t batchSize() const override { return m_config.batch; }

  std::map<std::string, double> step(int64_t samplesBefore) override {
    if (!m_data) throw Error("teacher: no data source to train on");
    const auto& tc = m_config.teacher;
    torch::Tensor labels;
    auto y = dist::sampleShare(*m_data, m_config.batch, &labels).to(m_device);
    if (labels.defined()) labels = labels.to(m_device);
    const bool cond = m_config.net.class_cond;

    m_net->setTraining(true);
    auto denoise = [&](const torch::Tensor& x, const torch::Tensor& sigma) {
      return m_net->denoise(x, sigma, cond ? labels : torch::Tensor());
    };
    auto loss = diffusion::edmLoss(denoise, y, tc.p_mean, tc.p_std, tc.sigma_data).mean();
    const double value = dist::average(loss.item<double>());
    if (!std::isfinite(value))
      throw Error("teacher: loss is not finite (" + std::to_string(value) +
                  "); parameters left unchanged — lower teacher.lr or set teacher.grad_clip");
    m_optimizer->zero_grad();
    m_sync->backward(loss);
    double gradNorm = 0;
    if (tc.grad_clip > 0) gradNorm = torch::nn::utils::clip_grad_norm_(m_net->parameters(), tc.grad_clip);

    // Learning-rate ramp-up over the first lr_rampup samples (training_loop.py: lr * min(nimg / rampup, 1)).
    const int64_t samplesAfter = samplesBefore + m_config.batch;
    double lr = tc.lr;
    if (tc.lr_rampup > 0) lr *= std::min(static_cast<double>(samplesAfter) / tc.lr_rampup, 1.0);
    setLearningRate(*m_optimizer, lr);
    m_optimizer->step();

    // EMA by half-life in samples, with the half-life ramped up as a fraction of samples seen.
    nets::emaUpdate(*m_ema, *m_net, emaBeta(tc.ema_halflife, tc.ema_rampup, samplesAfter, m_config.batch));

    std::map<std::string, double> out{{"loss", value}, {"lr", lr}};
    if (tc.grad_clip > 0) out["grad_norm"] = gradNorm;
    return out;
  }

  void save(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive net, ema, optim;
    m_net->save(net);
    m_ema->save(ema);
    m_optimizer->save(optim);
    archive.write("net", net);
    archive.write("ema", ema);
    archive.write("optimizer", optim);
  }

  void saveForSampling(torch::serialize::OutputArchive& archive) const override {
    torch::serialize::OutputArchive ema;
    m_ema->save(ema);
    archive.write("ema", ema);
  }

  void load(torch::serialize::InputArchive& archive) override {
    torch::serialize::InputArchive net, ema;
    archive.read("ema", ema);
    m_ema->load(ema);
    // An exported teacher has the EMA weights only: they are its network too.
    if (archive.try_read("net", net)) {
      m_net->load(net);
    } else {
      torch::serialize::InputArchive again;
      archive.read("ema", again);
      m_net->load(again);
    }
    torch::serialize::InputArchive optim;
    if (archive.try_read("optimizer", optim)) loadAdam(*m_optimizer, optim);
    m_net->to(m_device);
    m_ema->to(m_device);
  }

  torch::Tensor generate(const torch::Tensor& noise, const torch::Tensor& labels, const GenerateOptions& options,
                         int* nfe) override {
    nets::Denoiser& d = options.ema ? *m_ema : *m_net;
    d.setTraining(false);
    auto fn = [&](const torch::Tensor& x, const torch::Tensor& sigma) {
      return d.denoise(x, sigma, m_config.net.class_cond ? labels : torch::Tensor());
    };
    if (nfe) *nfe = diffusion::samplerNfe(options.sampler);
    return diffusion::sampleEdm(fn, noise.to(m_device), options.sampler, options.onStep);
  }

  void reconfigure(const RunConfig& config) override { m_config = config; }
  nets::Denoiser* denoiser() override { return m_ema.get(); }
  int numClasses() const override { return m_config.net.class_cond ? m_ema->shape().numClasses : 0; }
  std::vector<torch::Tensor> parameters(const std::string& role) override {
    return role == "teacher" ? m_net->parameters() : std::vector<torch::Tensor>{};
  }

 private:
  RunConfig m_config;
  torch::Device m_device;
  data::DataSource* m_data;
  std::unique_ptr<nets::Denoiser> m_net;  // online network, trained
  std::unique_ptr<nets::Denoiser> m_ema;  // exponential moving average of m_net, used for sampling
  std::unique_ptr<torch::optim::Adam> m_optimizer;
  std::unique_ptr<dist::GradientSync> m_sync;
};

}  // namespace

MethodEntry teacherMethod() {
  MethodInfo info;
  info.name = "teacher";
  info.title = "Teacher training (EDM)";
  info.summary = "an EDM denoiser trained on the data: the teacher the one-step methods distil";
  info.reference = "Karras et al., NeurIPS 2022";
  info.sections = {"teacher", "net"};
  info.imageEvalCount = 200;
  info.resolveAuto = [](RunConfig& c, bool) {
    if (c.teacher.lr == 0) c.teacher.lr = c.net.arch == "mlp" ? 1e-3 : 2e-4;
  };
  info.validate = [](const RunConfig& c) {
    requireSetting(c.teacher.lr >= 0, "teacher.lr must be >= 0 (0 = auto)");
    requireSetting(c.teacher.lr_rampup >= 0, "teacher.lr_rampup must be >= 0");
    requireSetting(c.teacher.ema_halflife > 0, "teacher.ema_halflife must be > 0");
    requireSetting(c.teacher.ema_rampup >= 0, "teacher.ema_rampup must be >= 0");
    requireSetting(c.teacher.p_std > 0, "teacher.p_std must be > 0");
    requireSetting(c.teacher.sigma_data > 0, "teacher.sigma_data must be > 0");
    requireSetting(c.teacher.grad_clip >= 0, "teacher.grad_clip must be >= 0");
  };
  return {info,
          [](const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource* data) {
            return std::unique_ptr<Method>(std::make_unique<TeacherMethod>(config, shape, device, data));
          }};
}

}  // namespace onestep::training
