#include "main_window.h"

#include <onestep/runtime.h>
#include <qcustomplot.h>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFont>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeySequence>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>

namespace {

// QSettings scope: explicit, so the window behaves the same whatever names main() set.
constexpr const char* kSettingsOrganization = "OneStep";
constexpr const char* kSettingsApplication = "OneStep Studio";
constexpr const char* kGeometryKey = "mainWindow/geometry";
constexpr const char* kStateKey = "mainWindow/state";

constexpr int kSidePanelWidth = 400;  // engine and next-steps column, in pixels

QString threadsText(int threads) {
  return threads == 1 ? QStringLiteral("1 thread") : QStringLiteral("%1 threads").arg(threads);
}

// A value label whose text can be selected and copied (versions end up in bug reports).
QLabel* makeValueLabel(const QString& text, const QString& objectName) {
  auto* label = new QLabel(text);
  label->setObjectName(objectName);
  label->setTextInteractionFlags(Qt::TextSelectableByMouse);
  return label;
}

QFont scaledFont(const QFont& base, qreal factor, bool bold) {
  QFont font = base;
  font.setPointSizeF(base.pointSizeF() * factor);
  font.setBold(bold);
  return font;
}

}  // namespace

EngineInfo EngineInfo::query() {
  EngineInfo info;
  info.version = QString::fromStdString(onestep::version());
  info.torchVersion = QString::fromStdString(onestep::torchVersion());
  info.cuda = onestep::cudaAvailable();
  info.device = QString::fromStdString(onestep::resolveDevice("auto"));
  info.threads = onestep::threads();
  return info;
}

MainWindow::MainWindow(QWidget* parent) : MainWindow(EngineInfo::query(), parent) {}

MainWindow::MainWindow(const EngineInfo& engine, QWidget* parent)
    : QMainWindow(parent), m_engine(engine) {
  setWindowTitle(QStringLiteral("OneStep Studio"));
  createActions();
  setCentralWidget(createCentralArea());
  createStatusBar();
  restoreSettings();
}

MainWindow::~MainWindow() = default;

void MainWindow::closeEvent(QCloseEvent* event) {
  saveSettings();
  event->accept();
}

void MainWindow::createActions() {
  QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
  QAction* quitAction = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
  quitAction->setObjectName(QStringLiteral("quitAction"));
  quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
  quitAction->setStatusTip(tr("Close OneStep Studio"));

  QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
  QAction* aboutAction = helpMenu->addAction(tr("&About OneStep Studio"), this, &MainWindow::showAbout);
  aboutAction->setObjectName(QStringLiteral("aboutAction"));
  aboutAction->setStatusTip(tr("Versions of the studio, its engine, LibTorch and Qt"));
  QAction* aboutQtAction = helpMenu->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
  aboutQtAction->setStatusTip(tr("Version and licence of Qt"));
}

QWidget* MainWindow::createCentralArea() {
  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->setContentsMargins(24, 20, 24, 16);
  layout->setSpacing(16);

  auto* title = new QLabel(tr("OneStep Studio"));
  title->setFont(scaledFont(font(), 1.8, true));
  auto* subtitle = new QLabel(tr("Watch diffusion models being distilled into one-step generators."));
  subtitle->setFont(scaledFont(font(), 1.15, false));
  subtitle->setForegroundRole(QPalette::PlaceholderText);
  auto* header = new QVBoxLayout;
  header->setSpacing(4);
  header->addWidget(title);
  header->addWidget(subtitle);
  layout->addLayout(header);

  auto* body = new QHBoxLayout;
  body->setSpacing(20);
  auto* side = new QVBoxLayout;
  side->setSpacing(16);
  side->addWidget(createEnginePanel());
  side->addWidget(createNextStepsPanel());
  side->addStretch(1);
  auto* sideWidget = new QWidget;
  sideWidget->setLayout(side);
  side->setContentsMargins(0, 0, 0, 0);
  sideWidget->setFixedWidth(kSidePanelWidth);
  body->addWidget(sideWidget);
  body->addWidget(createLossPlot(), /*stretch=*/1);
  layout->addLayout(body, /*stretch=*/1);
  return central;
}

QWidget* MainWindow::createEnginePanel() {
  auto* box = new QGroupBox(tr("Engine"));
  auto* form = new QFormLayout(box);
  form->setContentsMargins(16, 12, 16, 12);
  form->setHorizontalSpacing(24);
  form->setVerticalSpacing(8);
  form->setLabelAlignment(Qt::AlignLeft);

  m_versionLabel = makeValueLabel(m_engine.version, QStringLiteral("engineVersionLabel"));
  m_torchLabel = makeValueLabel(m_engine.torchVersion, QStringLiteral("torchVersionLabel"));
  m_deviceLabel = makeValueLabel(m_engine.device, QStringLiteral("deviceLabel"));
  m_threadsLabel = makeValueLabel(QString::number(m_engine.threads), QStringLiteral("threadsLabel"));
  auto* cudaLabel = makeValueLabel(m_engine.cuda ? tr("available") : tr("not available"),
                                   QStringLiteral("cudaLabel"));
  form->addRow(tr("Engine version"), m_versionLabel);
  form->addRow(tr("LibTorch"), m_torchLabel);
  form->addRow(tr("Device"), m_deviceLabel);
  form->addRow(tr("CUDA"), cudaLabel);
  form->addRow(tr("Intra-op threads"), m_threadsLabel);
  return box;
}

QWidget* MainWindow::createNextStepsPanel() {
  auto* box = new QGroupBox(tr("What comes next"));
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(16, 12, 16, 12);
  auto* text = new QLabel(
      tr("The live distillation views arrive with the studio: sample grids that sharpen as the "
         "one-step generator learns, loss and FID curves, the teacher's multi-step samples beside "
         "the generator's one-step samples from the same noise, latent sliders and image export."
         "<br><br>Methods: SiD (Score identity Distillation), Score Mismatching, and ECT/SCT "
         "consistency tuning. Runs started with the <tt>onestep</tt> command-line tool will open "
         "here."));
  text->setObjectName(QStringLiteral("nextStepsLabel"));
  text->setWordWrap(true);
  text->setTextFormat(Qt::RichText);
  layout->addWidget(text);
  return box;
}

QCustomPlot* MainWindow::createLossPlot() {
  m_lossPlot = new QCustomPlot;
  m_lossPlot->setObjectName(QStringLiteral("lossPlot"));
  m_lossPlot->setMinimumSize(480, 320);

  m_lossPlot->plotLayout()->insertRow(0);
  auto* title = new QCPTextElement(m_lossPlot, tr("loss"), scaledFont(font(), 1.2, true));
  m_lossPlot->plotLayout()->addElement(0, 0, title);

  m_lossPlot->xAxis->setLabel(tr("iteration"));
  m_lossPlot->yAxis->setLabel(tr("loss"));
  m_lossPlot->xAxis->setRange(0, 1000);
  m_lossPlot->yAxis->setRange(0, 1);
  m_lossPlot->xAxis->setLabelFont(font());
  m_lossPlot->yAxis->setLabelFont(font());
  m_lossPlot->xAxis->setTickLabelFont(font());
  m_lossPlot->yAxis->setTickLabelFont(font());

  // Placeholder until a run streams its metrics; centred in the axis rect, not in data units.
  auto* placeholder = new QCPItemText(m_lossPlot);
  placeholder->setObjectName(QStringLiteral("lossPlaceholder"));
  placeholder->position->setType(QCPItemPosition::ptAxisRectRatio);
  placeholder->position->setCoords(0.5, 0.5);
  placeholder->setPositionAlignment(Qt::AlignCenter);
  placeholder->setText(tr("No run yet: losses appear here once a distillation starts."));
  placeholder->setFont(font());
  placeholder->setColor(palette().color(QPalette::PlaceholderText));
  return m_lossPlot;
}

void MainWindow::createStatusBar() {
  m_statusLabel = new QLabel(tr("engine %1 · device %2 · %3")
                                 .arg(m_engine.version, m_engine.device, threadsText(m_engine.threads)));
  m_statusLabel->setObjectName(QStringLiteral("statusEngineLabel"));
  m_statusLabel->setContentsMargins(8, 0, 8, 0);
  statusBar()->addWidget(m_statusLabel);
}

void MainWindow::restoreSettings() {
  QSettings settings(QString::fromLatin1(kSettingsOrganization),
                     QString::fromLatin1(kSettingsApplication));
  if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
    resize(kDefaultSize);
  }
  restoreState(settings.value(kStateKey).toByteArray());
}

void MainWindow::saveSettings() const {
  QSettings settings(QString::fromLatin1(kSettingsOrganization),
                     QString::fromLatin1(kSettingsApplication));
  settings.setValue(kGeometryKey, saveGeometry());
  settings.setValue(kStateKey, saveState());
}

void MainWindow::showAbout() {
  QMessageBox::about(
      this, tr("About OneStep Studio"),
      tr("<h3>OneStep Studio</h3>"
         "<p>Watch diffusion models being distilled into one-step generators, live.</p>"
         "<p>Engine %1<br>LibTorch %2<br>Qt %3<br>Device %4 · %5</p>"
         "<p>Methods: Score identity Distillation (Zhou et al., ICML 2024), Score Mismatching "
         "(Ye &amp; Liu, 2023), Stable Consistency Tuning (Wang, Geng &amp; Li, 2024).</p>")
          .arg(m_engine.version.toHtmlEscaped(), m_engine.torchVersion.toHtmlEscaped(),
               QString::fromLatin1(qVersion()), m_engine.device.toHtmlEscaped(),
               threadsText(m_engine.threads)));
}
