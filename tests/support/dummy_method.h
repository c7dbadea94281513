// A dummy training method that tests register to prove the rule of engine/src/train/method.h: a method is its own
// file plus one registration. Torch-free, so that Qt tests can register it too.
#pragma once

namespace onestep::test {

// Registers the method "dummy" ("Dummy — mean matching", one sampling step, no teacher, the "teacher" settings
// section, fixed setting "teacher.p_std"): a generator x = a * z + b, a and b shaped like one sample, fitted to the
// data by mean squared error. Registering twice is harmless.
void registerDummyMethod();

}  // namespace onestep::test
