// A run's evaluations: its samples from fixed noise against the run's reference data (FID, KID, precision/recall,
// energy), without touching the training trajectory.
#include <torch/torch.h>

#include "core/util.h"
#include "data/source.h"
#include "io/samples.h"
#include "onestep/metrics.h"
#include "onestep/run.h"
#include "train/run_impl.h"

namespace onestep {

// The data the evaluations compare with: the whole Fashion-MNIST test split (shipped statistics), or
// eval_count points of a toy, or up to 10000 items of any other dataset; drawn with a seed of their own.
void RunImpl::openEvalReference() {
  SetOptions o;
  o.extractor = config.eval_features;
  o.device = config.device;
  o.seed = config.seed ^ 0xe7a1ULL;
  std::string spec = config.data;
  auto parsed = data::parseSpec(spec);
  if (parsed.kind == "fashion-mnist" && parsed.path.empty()) {
    spec = "fashion-mnist?split=test";
  } else if (data->info().kind == "points") {
    o.n = std::max<int64_t>(config.eval_count, 2000);
  }
  evalReference = std::make_unique<MetricSet>(openMetricSet(spec, o));
}

std::map<std::string, double> Run::evaluate(const std::function<bool()>& stopRequested) {
  auto& r = *m_impl;
  const double start = nowSec();
  RandomState rngs(r.device);
  if (!r.evalReference) r.openEvalReference();
  // Fixed noise (and labels) from the seed alone, generated batch by batch.
  auto latent = r.method->latentShape();
  std::vector<int64_t> perSample = latent;
  if (perSample.empty()) {
    perSample = r.shape.batchShape(1);
    perSample.erase(perSample.begin());
  }
  auto gen = data::makeGenerator(r.config.seed ^ 0xe7a15eedULL);
  std::vector<torch::Tensor> outs, labelParts;
  const int64_t n = r.config.eval_count, batch = std::max<int64_t>(r.config.batch, 100);
  for (int64_t first = 0; first < n; first += batch) {
    if (stopRequested && stopRequested()) {  // abandoned: nothing logged, the random streams as they were
      rngs.restore();
      return {};
    }
    const int64_t b = std::min(batch, n - first);
    std::vector<int64_t> shape = {b};
    shape.insert(shape.end(), perSample.begin(), perSample.end());
    auto noise = torch::randn(shape, gen, torch::kFloat32).to(r.device);
    torch::Tensor labels;
    if (r.method->numClasses() > 0) {
      labels = torch::randint(r.method->numClasses(), {b}, gen, torch::kLong);
      labelParts.push_back(labels);
      labels = labels.to(r.device);
    }
    training::GenerateOptions options;
    options.sampler = r.config.sampler;
    int nfe = 0;
    outs.push_back(training::generateSamples(r.method.get(), nullptr, noise, labels, options, &nfe).to(torch::kCPU));
  }
  auto samples = io::toSampleSet(torch::cat(outs), labelParts.empty() ? torch::Tensor() : torch::cat(labelParts));
  MetricSet generated;
  generated.name = "samples of run '" + r.dir + "'";
  generated.extractor = r.evalReference->extractor.empty() ? resolveExtractor(r.config.eval_features, samples)
                                                           : r.evalReference->extractor;
  if (generated.extractor == "inception") generated.extractor = r.config.eval_features;
  generated.features = extractFeatures(samples, generated.extractor, r.config.device);
  generated.stats = computeStats(*generated.features, generated.extractor);
  if (samples.kind == SampleSet::Kind::Points) generated.points = samples;
  auto report = compareSets(*r.evalReference, generated);
  rngs.restore();
  std::map<std::string, double> values = {{"fid", report.fid}};
  if (report.kid) values["kid"] = *report.kid;
  if (report.precision) values["precision"] = *report.precision;
  if (report.recall) values["recall"] = *report.recall;
  if (report.energy) values["energy"] = *report.energy;
  values["eval_n"] = static_cast<double>(n);
  values["eval_s"] = nowSec() - start;
  return values;
}

}  // namespace onestep
