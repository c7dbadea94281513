#include "shipped.h"

#include <onestep/data.h>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

QString shippedModelsDir() {
  const QString env = qEnvironmentVariable("ONESTEP_MODELS_DIR");
  if (!env.isEmpty()) return QFileInfo(env).isDir() ? QDir(env).absolutePath() : QString();  // set: it alone
  QStringList candidates;
  candidates << QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../share/onestep/models"));
#ifdef ONESTEP_SOURCE_MODELS_DIR
  candidates << QStringLiteral(ONESTEP_SOURCE_MODELS_DIR);
#endif
  for (const QString& dir : candidates)
    if (QFileInfo(dir).isDir()) return QDir(dir).absolutePath();
  return {};
}

QVector<ShippedTeacher> shippedTeachers() {
  QVector<ShippedTeacher> out;
  const QString dir = shippedModelsDir();
  if (dir.isEmpty()) return out;
  QStringList specs;
  for (const auto& s : onestep::builtinDataSpecs()) specs << QString::fromStdString(s);
  // models/NAME.pt is the teacher of toy:NAME or of the data spec NAME.
  for (const QFileInfo& f : QDir(dir).entryInfoList({QStringLiteral("*.pt")}, QDir::Files, QDir::Name)) {
    const QString stem = f.completeBaseName();
    const QString data = specs.contains(QStringLiteral("toy:") + stem) ? QStringLiteral("toy:") + stem : stem;
    if (specs.contains(data)) out.append({data, f.absoluteFilePath()});
  }
  return out;
}

QString shippedTeacherFor(const QString& dataSpec) {
  const QString data = dataSpec.section(QLatin1Char('?'), 0, 0).trimmed();
  for (const ShippedTeacher& t : shippedTeachers())
    if (t.data == data) return t.path;
  return {};
}
