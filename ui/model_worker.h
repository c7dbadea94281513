// Interactive questions to trained models (compare view, latent explorer, 2-D view), answered on a worker
// thread that keeps the models loaded. Requests go to named channels; on each channel the latest request wins:
// a request still waiting when a newer one arrives is dropped unanswered, a running one is abandoned, and the
// GUI ignores any reply that is not its channel's latest (docs/architecture.md: "the latest request wins").
#pragma once

#include <onestep/model.h>

#include <QHash>
#include <QImage>
#include <QMap>
#include <QMutex>
#include <QObject>
#include <QPointF>
#include <QString>
#include <QVector>

#include <memory>

struct ModelRequest {
  enum class Kind { Info, Generate, Field, Sweep, Data };
  Kind kind = Kind::Generate;
  QString channel;      // e.g. "compare.teacher", "latent"
  QString model;        // run directory, checkpoint or TorchScript file
  bool reload = false;  // reopen the model (its run wrote a newer checkpoint)
  // Info: also the input noise of sample 0 for each of these seeds (the latent explorer's directions).
  QVector<quint64> noiseSeeds;
  // Data: n points drawn from this data spec with `seed` (the model is not needed).
  QString data;
  // Generate: n samples from the given noise (empty: seed's noise for samples 0..n-1).
  int n = 1;
  QVector<float> noise;
  quint64 seed = 0;
  QVector<qint64> labels;
  QString sampler;            // teachers: "heun" | "euler" ("" = the run's; Sweep: heun)
  int steps = 0;              // teachers: schedule steps; generators: 1 or 2; 0 = default
  bool keepDenoised = false;  // teachers: the denoised image after every step
  // Field: D(x; sigma) - x of a denoiser ("teacher", "fake_score") at 2-D points.
  QString field;
  QVector<float> points;
  double sigma = 1.0;
  // Sweep: FID (energy distance for points) of the teacher at several NFE and of the generator (`model`)
  // against the run's data; `teacherModel` is the teacher.
  QString teacherModel;
  QVector<int> nfe;
  int count = 1000;
  quint64 id = 0;  // set by ModelWorker::post
};
Q_DECLARE_METATYPE(ModelRequest)

struct ModelReply {
  quint64 id = 0;
  QString channel;
  bool ok = false;
  QString error;                   // one readable line when !ok
  onestep::ModelInfo info;         // of the model asked
  QImage image;                    // samples as a grid (images) or scatter plot (points)
  QVector<QVector<float>> noises;  // Info: one per noiseSeeds entry
  QVector<float> outputs;          // points: the raw outputs [n * dim] (Generate and Data)
  int dim = 0;
  QVector<QImage> strip;   // keepDenoised: the first sample's denoised image after each step
  QVector<double> sigmas;  // the noise level of each strip image
  int nfe = 0;
  double msPerImage = 0;
  QVector<float> field;           // Field: directions [n * 2]
  QVector<QPointF> teacherCurve;  // Sweep: (NFE, FID or energy distance)
  QPointF generatorPoint;         // Sweep: the generator's (NFE, value)
  QString metric;                 // Sweep: "FID" or "energy distance"
};
Q_DECLARE_METATYPE(ModelReply)

// A picture of a sample set: an image grid, or a scatter plot of points.
QImage sampleSetImage(const onestep::SampleSet& samples, int size = 512);

class ModelWorker : public QObject {
  Q_OBJECT

 public:
  explicit ModelWorker(QObject* parent = nullptr);
  ~ModelWorker() override;

  // Thread-safe: queues a request (replacing a waiting one on the same channel) and returns its id.
  quint64 post(ModelRequest request);
  // Thread-safe: whether `reply` answers its channel's latest request (else the GUI drops it).
  bool isLatest(const ModelReply& reply) const;
  // Thread-safe: abandons the running request (at its next check) and every waiting one; later posts are
  // ignored. The window calls it before stopping the thread, so closing never waits for a long sweep.
  void shutdown();

 signals:
  void replied(const ModelReply& reply);

 private:
  void processPending();  // on the worker thread
  ModelReply handle(const ModelRequest& request);
  onestep::Model& model(const QString& path, bool reload);

  mutable QMutex m_mutex;
  bool m_shutdown = false;                // guarded by m_mutex
  QMap<quint64, ModelRequest> m_pending;  // by id: oldest first
  QHash<QString, quint64> m_latest;       // channel → latest id posted
  quint64 m_nextId = 1;
  QHash<QString, std::shared_ptr<onestep::Model>> m_models;  // worker thread only
};
