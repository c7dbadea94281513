// The dummy method (dummy_method.h): everything a method is, in one file.
#include "dummy_method.h"

#include <cmath>

#include "onestep/error.h"
#include "train/method.h"

namespace onestep::test {
namespace {

class DummyMethod : public training::Method {
 public:
  DummyMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource* data)
      : m_config(config), m_shape(shape), m_device(device), m_data(data) {
    auto one = shape.batchShape(1);
    one.erase(one.begin());
    m_scale = torch::ones(one, torch::TensorOptions(device)).requires_grad_(true);
    m_shift = torch::zeros(one, torch::TensorOptions(device)).requires_grad_(true);
    m_opt = std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{m_scale, m_shift},
                                                 torch::optim::AdamOptions(lr()));
  }

  std::map<std::string, double> step(int64_t) override {
    if (!m_data) throw Error("dummy: no data source to train on");
    auto gen = at::detail::getDefaultCPUGenerator();
    auto y = m_data->sample(m_config.batch, gen, nullptr).to(m_device);
    auto z = torch::randn(y.sizes(), gen, torch::kFloat32).to(m_device);
    auto loss = (m_scale * z + m_shift - y).square().mean();
    m_opt->zero_grad();
    loss.backward();
    m_opt->step();
    const double value = loss.item<double>();
    if (!std::isfinite(value)) throw Error("dummy: non-finite loss");
    return {{"loss", value}};
  }
  int64_t batchSize() const override { return m_config.batch; }
  void save(torch::serialize::OutputArchive& archive) const override {
    archive.write("scale", m_scale);
    archive.write("shift", m_shift);
  }
  void load(torch::serialize::InputArchive& archive) override {
    torch::NoGradGuard guard;
    torch::Tensor scale, shift;
    archive.read("scale", scale);
    archive.read("shift", shift);
    m_scale.copy_(scale);
    m_shift.copy_(shift);
  }
  torch::Tensor generate(const torch::Tensor& noise, const torch::Tensor&, const training::GenerateOptions&,
                         int* nfe) override {
    torch::NoGradGuard guard;
    *nfe = 1;
    return m_scale * noise.to(m_device) + m_shift;
  }
  void reconfigure(const RunConfig& config) override {
    m_config = config;
    training::setLearningRate(*m_opt, lr());
  }
  std::vector<torch::Tensor> parameters(const std::string& role) override {
    return role == "generator" ? std::vector<torch::Tensor>{m_scale, m_shift} : std::vector<torch::Tensor>{};
  }
  int numClasses() const override { return 0; }

 private:
  double lr() const { return m_config.teacher.lr > 0 ? m_config.teacher.lr : 1e-2; }

  RunConfig m_config;
  nets::SampleShape m_shape;
  torch::Device m_device;
  data::DataSource* m_data;
  torch::Tensor m_scale, m_shift;
  std::unique_ptr<torch::optim::Adam> m_opt;
};

}  // namespace

void registerDummyMethod() {
  MethodInfo info;
  info.name = "dummy";
  info.title = "Dummy — mean matching";
  info.summary = "a test method: x = a z + b fitted to the data";
  info.reference = "the test suite";
  info.sections = {"teacher"};
  info.samplingSteps = {1};
  info.fixedSettings = {"teacher.p_std"};
  info.validate = [](const RunConfig& c) {
    training::requireSetting(c.method != "dummy" || c.batch <= 100000, "batch must be <= 100000 for the dummy method");
  };
  training::registerMethod(
      {info, [](const RunConfig& config, const nets::SampleShape& shape, torch::Device device, data::DataSource* data) {
         return std::unique_ptr<training::Method>(std::make_unique<DummyMethod>(config, shape, device, data));
       }});
}

}  // namespace onestep::test
