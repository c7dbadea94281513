// Precompiled header of the engine: the expensive, stable includes.
#pragma once
#include <torch/torch.h>
#include <torch/script.h>
#include <nlohmann/json.hpp>
