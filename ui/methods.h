// The engine's list of training methods (onestep/methods.h) in the studio's terms.
#pragma once
#include <onestep/methods.h>

#include <QString>
#include <QStringList>

// True for a method that distils a teacher (the teacher field applies); false for an unknown name.
inline bool methodNeedsTeacher(const QString& name) {
  const onestep::MethodInfo* method = onestep::findMethod(name.toStdString());
  return method && method->needsTeacher;
}

// Every method with the paper it follows, for the About box (HTML-escaped): "SiD — ... (Zhou et al., ICML 2024), ...".
inline QString methodsText() {
  QStringList parts;
  for (const auto& m : onestep::methods()) {
    QString part = QString::fromStdString(m.title).toHtmlEscaped();
    if (!m.reference.empty()) part += QStringLiteral(" (%1)").arg(QString::fromStdString(m.reference).toHtmlEscaped());
    parts.append(part);
  }
  return parts.join(QStringLiteral(", "));
}
