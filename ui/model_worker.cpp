#include "model_worker.h"

#include <onestep/data.h>
#include <onestep/error.h>
#include <onestep/metrics.h>

#include <QFileInfo>
#include <QMutexLocker>

#include <cmath>
#include <exception>

#include "run_worker.h"

QImage sampleSetImage(const onestep::SampleSet& s, int size) {
  const int n = static_cast<int>(s.count());
  if (s.kind == onestep::SampleSet::Kind::Points)
    return samplesToImage(QVector<float>(s.points.begin(), s.points.end()), static_cast<int>(s.shape[1]), {}, n, 0, 0,
                          0, size);
  return samplesToImage({}, 0,
                        QByteArray(reinterpret_cast<const char*>(s.pixels.data()), static_cast<int>(s.pixels.size())),
                        n, static_cast<int>(s.shape[1]), static_cast<int>(s.shape[2]), static_cast<int>(s.shape[3]));
}

namespace {

// The first sample of a set, as a set of one.
onestep::SampleSet firstOf(const onestep::SampleSet& s) {
  onestep::SampleSet one = s;
  one.shape[0] = 1;
  if (s.kind == onestep::SampleSet::Kind::Points)
    one.points.resize(static_cast<size_t>(s.shape[1]));
  else
    one.pixels.resize(static_cast<size_t>(s.shape[1] * s.shape[2] * s.shape[3]));
  one.labels.clear();
  return one;
}

}  // namespace

ModelWorker::ModelWorker(QObject* parent) : QObject(parent) {
  qRegisterMetaType<ModelRequest>("ModelRequest");
  qRegisterMetaType<ModelReply>("ModelReply");
}

ModelWorker::~ModelWorker() = default;

void ModelWorker::shutdown() {
  QMutexLocker lock(&m_mutex);
  m_shutdown = true;
  m_pending.clear();
}

quint64 ModelWorker::post(ModelRequest request) {
  {
    QMutexLocker lock(&m_mutex);
    if (m_shutdown) return 0;
    request.id = m_nextId++;
    for (auto it = m_pending.begin(); it != m_pending.end();)
      it = it->channel == request.channel ? m_pending.erase(it) : std::next(it);
    m_latest[request.channel] = request.id;
    m_pending.insert(request.id, request);
  }
  QMetaObject::invokeMethod(this, &ModelWorker::processPending, Qt::QueuedConnection);
  return request.id;
}

bool ModelWorker::isLatest(const ModelReply& reply) const {
  QMutexLocker lock(&m_mutex);
  return m_latest.value(reply.channel) == reply.id;
}

void ModelWorker::processPending() {
  for (;;) {
    ModelRequest request;
    {
      QMutexLocker lock(&m_mutex);
      if (m_shutdown || m_pending.isEmpty()) return;
      request = m_pending.take(m_pending.firstKey());
    }
    ModelReply reply;
    try {
      reply = handle(request);
      reply.ok = true;
    } catch (const onestep::Cancelled&) {
      continue;  // superseded while running: nobody waits for this answer
    } catch (const std::exception& e) {
      reply.error = QString::fromLocal8Bit(e.what());
    }
    reply.id = request.id;
    reply.channel = request.channel;
    emit replied(reply);
  }
}

onestep::Model& ModelWorker::model(const QString& path, bool reload) {
  auto it = m_models.find(path);
  if (it == m_models.end() || reload) {
    std::shared_ptr<onestep::Model> opened = onestep::Model::open(path.toStdString());
    it = m_models.insert(path, std::move(opened));
  }
  return **it;
}

ModelReply ModelWorker::handle(const ModelRequest& r) {
  ModelReply reply;
  if (r.kind == ModelRequest::Kind::Data) {
    const onestep::SampleSet data = onestep::drawData(r.data.toStdString(), r.n, r.seed);
    reply.image = sampleSetImage(data);
    if (data.kind == onestep::SampleSet::Kind::Points) {
      reply.outputs = QVector<float>(data.points.begin(), data.points.end());
      reply.dim = static_cast<int>(data.shape[1]);
    }
    return reply;
  }
  if (r.model.isEmpty()) throw onestep::Error("no model: start or open a run first");
  onestep::Model& m = model(r.model, r.reload);
  reply.info = m.info();
  // A request is abandoned as soon as a newer one arrives on its channel.
  auto superseded = [this, &r] {
    QMutexLocker lock(&m_mutex);
    return m_shutdown || m_latest.value(r.channel) != r.id;
  };
  switch (r.kind) {
    case ModelRequest::Kind::Info:
      for (quint64 seed : r.noiseSeeds) {
        const auto z = m.noise(seed, 0, 1);
        reply.noises.append(QVector<float>(z.begin(), z.end()));
      }
      break;
    case ModelRequest::Kind::Data:
      break;  // answered above
    case ModelRequest::Kind::Generate: {
      onestep::GenerateRequest g;
      g.n = r.n;
      g.noise = r.noise.isEmpty() ? m.noise(r.seed, 0, r.n) : std::vector<float>(r.noise.begin(), r.noise.end());
      g.labels.assign(r.labels.begin(), r.labels.end());
      g.sampler = r.sampler.toStdString();
      g.steps = r.steps;
      // A seeded 2-step sample takes its second noise from the seed too, as `onestep sample --seed --steps 2`.
      if (r.noise.isEmpty() && r.steps == 2 && reply.info.maxSteps == 2) g.stepNoise = m.stepNoise(r.seed, 0, r.n);
      g.keepDenoised = r.keepDenoised;
      g.shouldStop = superseded;
      const onestep::GenerateResult result = m.generate(g);
      reply.image = sampleSetImage(result.samples);
      if (result.samples.kind == onestep::SampleSet::Kind::Points) {
        reply.outputs = QVector<float>(result.samples.points.begin(), result.samples.points.end());
        reply.dim = static_cast<int>(result.samples.shape[1]);
      }
      for (const auto& d : result.denoised)
        reply.strip.append(sampleSetImage(d.kind == onestep::SampleSet::Kind::Points ? d : firstOf(d), 160));
      reply.sigmas = QVector<double>(result.sigmas.begin(), result.sigmas.end());
      reply.nfe = result.nfe;
      reply.msPerImage = 1000.0 * result.seconds / std::max(1, r.n);
      break;
    }
    case ModelRequest::Kind::Field: {
      const auto d =
          m.denoiseDirection(r.field.toStdString(), std::vector<float>(r.points.begin(), r.points.end()), r.sigma);
      reply.field = QVector<float>(d.begin(), d.end());
      break;
    }
    case ModelRequest::Kind::Sweep: {
      onestep::SweepOptions sweep;
      if (!r.sampler.isEmpty()) sweep.sampler = r.sampler.toStdString();
      sweep.nfe.assign(r.nfe.begin(), r.nfe.end());
      sweep.set.n = r.count;
      sweep.set.seed = r.seed;
      // One reference for the curve and the point: the generator run's data (a teacher file names none).
      if (QFileInfo(r.model).isDir()) sweep.dataRun = r.model.toStdString();
      const bool energy = reply.info.points;
      reply.metric = energy ? QStringLiteral("energy distance") : QStringLiteral("FID");
      auto value = [energy](const onestep::NfePoint& p) { return energy && p.energy ? *p.energy : p.fid; };
      if (!r.teacherModel.isEmpty())
        for (const auto& p : onestep::sweepNfe(r.teacherModel.toStdString(), sweep, [&](const onestep::NfePoint&) {
               if (superseded()) throw onestep::Cancelled();
             }))
          reply.teacherCurve.append(QPointF(p.nfe, value(p)));
      if (superseded()) throw onestep::Cancelled();
      const onestep::NfePoint g = onestep::scoreModel(r.model.toStdString(), sweep);  // same reference, n and seed
      reply.generatorPoint = QPointF(g.nfe, value(g));
      break;
    }
  }
  return reply;
}
