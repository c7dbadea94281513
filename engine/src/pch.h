// Precompiled header of the engine: the expensive, stable includes.
#pragma once
#include <torch/script.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>
