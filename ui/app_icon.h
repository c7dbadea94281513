// The studio's icon: the icon theme's, as the installed package provides it, else the copy built into the
// program, so that a studio run from its build tree or a bare desktop still has one.
#pragma once
#include <QIcon>
#include <QString>

QIcon applicationIcon(const QString& appId);
