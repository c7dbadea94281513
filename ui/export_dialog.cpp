#include "export_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include <exception>

ExportDialog::ExportDialog(const QString& model, QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Export samples"));
  setObjectName(QStringLiteral("exportDialog"));
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout;
  m_model = new QLineEdit(model);
  m_model->setObjectName(QStringLiteral("exportModel"));
  m_model->setToolTip(tr("A run directory (its latest checkpoint), a checkpoint or a TorchScript file"));
  m_count = new QSpinBox;
  m_count->setObjectName(QStringLiteral("exportCount"));
  m_count->setRange(1, 1000000);
  m_count->setValue(1000);
  m_seed = new QSpinBox;
  m_seed->setObjectName(QStringLiteral("exportSeed"));
  m_seed->setRange(0, 1 << 30);
  m_steps = new QSpinBox;
  m_steps->setObjectName(QStringLiteral("exportSteps"));
  m_steps->setRange(0, 1000);
  m_steps->setSpecialValueText(tr("default"));
  m_steps->setToolTip(tr("Generator steps (consistency models: 1 or 2), or the sampler's steps for a teacher"));
  m_class = new QSpinBox;
  m_class->setObjectName(QStringLiteral("exportClass"));
  m_class->setRange(-1, 999);
  m_class->setValue(-1);
  m_class->setSpecialValueText(tr("random"));
  m_folder = new QLineEdit(QDir::home().filePath(QStringLiteral("onestep-exports")));
  m_folder->setObjectName(QStringLiteral("exportFolder"));
  auto* browse = new QPushButton(tr("…"));
  browse->setFixedWidth(28);
  connect(browse, &QPushButton::clicked, this, [this] {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export folder"), m_folder->text());
    if (!dir.isEmpty()) m_folder->setText(dir);
  });
  auto* folderRow = new QHBoxLayout;
  folderRow->addWidget(m_folder, 1);
  folderRow->addWidget(browse);
  m_name =
      new QLineEdit(QFileInfo(model).fileName().isEmpty() ? QStringLiteral("samples") : QFileInfo(model).fileName());
  m_name->setObjectName(QStringLiteral("exportName"));
  form->addRow(tr("Model"), m_model);
  form->addRow(tr("Samples"), m_count);
  form->addRow(tr("Seed"), m_seed);
  form->addRow(tr("Steps"), m_steps);
  form->addRow(tr("Class"), m_class);
  form->addRow(tr("Folder"), folderRow);
  form->addRow(tr("Name"), m_name);
  layout->addLayout(form);

  m_png = new QCheckBox(tr("PNG folder (NAME/000000.png …; seed, model and settings in each file's text chunks)"));
  m_png->setObjectName(QStringLiteral("exportPng"));
  m_png->setChecked(true);
  m_grid = new QCheckBox(tr("Grid PNG (NAME-grid.png: the first 100, or a scatter plot of points)"));
  m_grid->setObjectName(QStringLiteral("exportGrid"));
  m_grid->setChecked(true);
  m_npz = new QCheckBox(tr("NPZ (NAME.npz: arr_0 uint8 NHWC, for FID tools)"));
  m_npz->setObjectName(QStringLiteral("exportNpz"));
  m_npz->setChecked(true);
  m_timelapse = new QCheckBox(tr("Timelapse of the run's snapshots"));
  m_timelapse->setObjectName(QStringLiteral("exportTimelapse"));
  m_timelapseKind = new QComboBox;
  m_timelapseKind->addItem(tr("GIF"), QStringLiteral("gif"));
  m_timelapseKind->addItem(tr("AVI video (MJPEG)"), QStringLiteral("avi"));
  auto* timelapseRow = new QHBoxLayout;
  timelapseRow->addWidget(m_timelapse);
  timelapseRow->addWidget(m_timelapseKind);
  timelapseRow->addStretch(1);
  for (QWidget* w : {static_cast<QWidget*>(m_png), static_cast<QWidget*>(m_grid), static_cast<QWidget*>(m_npz)})
    layout->addWidget(w);
  layout->addLayout(timelapseRow);

  m_progress = new QProgressBar;
  m_progress->setObjectName(QStringLiteral("exportProgress"));
  m_progress->setRange(0, 1);
  m_progress->setValue(0);
  m_status = new QLabel(tr("Outputs that exist already are not overwritten."));
  m_status->setObjectName(QStringLiteral("exportStatus"));
  m_status->setWordWrap(true);
  layout->addWidget(m_progress);
  layout->addWidget(m_status);

  auto* buttons = new QDialogButtonBox;
  m_exportButton = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
  m_exportButton->setObjectName(QStringLiteral("exportButton"));
  m_cancelButton = buttons->addButton(tr("Cancel export"), QDialogButtonBox::ActionRole);
  m_cancelButton->setObjectName(QStringLiteral("cancelExportButton"));
  QPushButton* close = buttons->addButton(QDialogButtonBox::Close);
  connect(m_exportButton, &QPushButton::clicked, this, &ExportDialog::startExport);
  connect(m_cancelButton, &QPushButton::clicked, this, &ExportDialog::cancelExport);
  connect(close, &QPushButton::clicked, this, &ExportDialog::reject);
  layout->addWidget(buttons);
  setBusy(false);
  resize(620, sizeHint().height());
}

ExportDialog::~ExportDialog() {
  if (m_thread) {
    m_cancel.store(true);
    m_thread->wait();
    delete m_thread;
  }
}

void ExportDialog::setOutput(const QString& folder, const QString& name) {
  m_folder->setText(folder);
  m_name->setText(name);
}

void ExportDialog::setModel(const QString& model) {
  if (m_thread || model.isEmpty()) return;
  m_model->setText(model);
  m_name->setText(QFileInfo(model).fileName());
}

ExportRequest ExportDialog::request() const {
  ExportRequest r;
  r.model = m_model->text().trimmed();
  r.count = m_count->value();
  r.seed = static_cast<quint64>(m_seed->value());
  r.steps = m_steps->value();
  r.classLabel = m_class->value();
  const QString base = QDir(m_folder->text().trimmed()).filePath(m_name->text().trimmed());
  if (m_png->isChecked()) r.pngFolder = base;
  if (m_grid->isChecked()) r.gridPng = base + QStringLiteral("-grid.png");
  if (m_npz->isChecked()) r.npz = base + QStringLiteral(".npz");
  if (m_timelapse->isChecked())
    r.timelapse = base + QStringLiteral("-timelapse.") + m_timelapseKind->currentData().toString();
  return r;
}

void ExportDialog::setBusy(bool busy) {
  m_exportButton->setEnabled(!busy);
  m_cancelButton->setEnabled(busy);
  for (QWidget* w : findChildren<QLineEdit*>()) w->setEnabled(!busy);
  for (QWidget* w : findChildren<QSpinBox*>()) w->setEnabled(!busy);
  for (QWidget* w : findChildren<QCheckBox*>()) w->setEnabled(!busy);
}

void ExportDialog::startExport() {
  if (m_thread) return;
  const ExportRequest r = request();
  if (r.model.isEmpty() || m_name->text().trimmed().isEmpty()) {
    m_status->setText(tr("Choose a model and a name first."));
    return;
  }
  QDir().mkpath(m_folder->text().trimmed());
  m_cancel.store(false);
  setBusy(true);
  m_progress->setRange(0, 0);
  m_status->setText(tr("Loading %1 …").arg(r.model));
  // The job runs on its own thread; progress and the outcome come back as queued calls.
  QPointer<ExportDialog> self(this);
  m_thread = QThread::create([this, self, r] {
    QString message;
    bool ok = false;
    try {
      const ExportReport report = runExport(
          r,
          [self](qint64 done, qint64 total, const QString& what) {
            QMetaObject::invokeMethod(
                self,
                [self, done, total, what] {
                  if (!self) return;
                  self->m_progress->setRange(0, static_cast<int>(total));
                  self->m_progress->setValue(static_cast<int>(done));
                  self->m_status->setText(tr("%1: %2 of %3").arg(what).arg(done).arg(total));
                },
                Qt::QueuedConnection);
          },
          [this] { return m_cancel.load(); });
      ok = true;
      message = tr("Wrote %1 (%2 NFE per sample, %3 s).")
                    .arg(report.written.join(QStringLiteral(", ")))
                    .arg(report.nfe)
                    .arg(report.seconds, 0, 'f', 1);
    } catch (const std::exception& e) {
      message = QString::fromLocal8Bit(e.what());
    }
    QMetaObject::invokeMethod(
        self,
        [self, ok, message] {
          if (!self) return;
          self->m_thread->wait();
          self->m_thread->deleteLater();
          self->m_thread = nullptr;
          self->setBusy(false);
          self->m_progress->setRange(0, 1);
          self->m_progress->setValue(ok ? 1 : 0);
          self->m_status->setText(ok ? message : tr("Export stopped: %1 (nothing partial was left)").arg(message));
          emit self->exportFinished(ok, message);
        },
        Qt::QueuedConnection);
  });
  m_thread->start();
}

void ExportDialog::cancelExport() {
  if (m_thread) {
    m_cancel.store(true);
    m_status->setText(tr("Cancelling …"));
  }
}

void ExportDialog::reject() {
  if (m_thread) {
    cancelExport();
    return;  // closes once the job has stopped (the user presses Close again)
  }
  QDialog::reject();
}
