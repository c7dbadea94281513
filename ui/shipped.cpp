#include "shipped.h"

#include <onestep/shipped.h>

#include <exception>

QString shippedModelsDir() { return QString::fromStdString(onestep::shippedModelsDir()); }

QVector<ShippedEntry> shippedModels() {
  QVector<ShippedEntry> out;
  std::vector<onestep::ShippedModel> all;
  try {
    all = onestep::shippedModels();
  } catch (const std::exception&) {
    return out;  // a damaged list offers nothing; `onestep models` names the problem
  }
  for (const auto& m : all) {
    ShippedEntry e;
    e.name = QString::fromStdString(m.name);
    e.kind = QString::fromStdString(m.kind);
    e.method = QString::fromStdString(m.method);
    e.data = QString::fromStdString(m.data);
    e.path = QString::fromStdString(m.file);
    e.figure = m.metric == "fid" ? QStringLiteral("FID %1 at %2 NFE").arg(m.value, 0, 'f', 2).arg(m.nfe)
                                 : QStringLiteral("energy distance %1 at %2 NFE").arg(m.value, 0, 'f', 4).arg(m.nfe);
    out.append(e);
  }
  return out;
}

// The engine's lookups; a damaged list offers nothing (as shippedModels()).
QString shippedTeacherFor(const QString& dataSpec) {
  try {
    return QString::fromStdString(onestep::shippedTeacherFor(dataSpec.toStdString()));
  } catch (const std::exception&) {
    return {};
  }
}

QString shippedGeneratorFor(const QString& dataSpec, const QString& method) {
  try {
    return QString::fromStdString(onestep::shippedGeneratorFor(dataSpec.toStdString(), method.toStdString()));
  } catch (const std::exception&) {
    return {};
  }
}
