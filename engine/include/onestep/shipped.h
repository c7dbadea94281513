// The models that ship with OneStep Studio, by name: one list (models.json in the models folder) that the CLI
// (`onestep models`, and every --model / --teacher) and the studio (its Shipped list) both read.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace onestep {

// One row of models.json, with the file's place and size filled in.
struct ShippedModel {
  std::string name;     // "fashion-mnist" (a teacher: its data) or "fashion-mnist-sid" (a generator: data-method)
  std::string file;     // absolute path of the .pt file
  std::string kind;     // "teacher" | "generator"
  std::string method;   // "teacher", "sid", "ect", "sct", "smm"
  std::string data;     // the data spec it models, e.g. "toy:8gaussians", "fashion-mnist"
  int nfe = 1;          // network evaluations per sample of the recorded figure
  std::string metric;   // "fid" (built-in features, against the test split) or "energy" (energy distance)
  double value = 0;     // the recorded figure
  int64_t evalN = 0;    // samples the figure was measured on (what a test re-measures)
  double value10k = 0;  // FID on 10 000 samples (images; 0 = not measured)
  std::string command;  // the command that made the file
  int64_t bytes = 0;    // size of the file
};

// The models folder: $ONESTEP_MODELS_DIR when set (and then only it), else share/onestep/models beside the
// installed executable (../share/onestep/models from bin/), else the source tree's models/ (a build run from its
// tree). Empty when none exists.
std::string shippedModelsDir();

// Every model listed in the folder's models.json whose file exists, in the list's order. Throws Error naming
// models.json when it cannot be read or a row lacks a field.
std::vector<ShippedModel> shippedModels();

// The shipped model of that name into *out; false when there is none.
bool findShippedModel(const std::string& name, ShippedModel* out);

// A model argument as a file: an existing path always wins; otherwise a shipped name gives its file; anything
// else is returned unchanged (so the error that follows names what the user wrote).
std::string resolveModelPath(const std::string& pathOrName);

// Where a set may be data or a model (fid, energy, info): the file of a shipped name, when `s` is neither an
// existing path nor a data spec (so "fashion-mnist" stays the data and "fashion-mnist-sid" is the generator);
// empty otherwise.
std::string shippedModelForSet(const std::string& s);

// The shipped teacher of a data spec (its options ignored: "toy:moons?n=5000" is "toy:moons"); empty if none.
std::string shippedTeacherFor(const std::string& dataSpec);
// The shipped generator of a method for a data spec ("fashion-mnist", "sid"); empty if none.
std::string shippedGeneratorFor(const std::string& dataSpec, const std::string& method);

}  // namespace onestep
