// Pictures of samples: image grids and point scatter plots, written as PNG.
#pragma once
#include <torch/torch.h>

#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

namespace onestep::io {

// A grid of uint8 images [N,C,H,W] (C = 1 or 3, RGB order) with `pad` pixels between them; cols 0 = square-ish.
cv::Mat imageGrid(const torch::Tensor& images, int cols = 0, int pad = 2);
// A scatter plot of points [N,2] (float) on a size x size canvas covering [-extent, extent]^2.
cv::Mat scatterPlot(const torch::Tensor& points, int size = 512, double extent = 1.5);
// Encodes a picture (grey, or RGB order) as PNG with `text` chunks (key, value) and writes it atomically; throws
// Error naming the path.
void writePng(const std::string& path, const cv::Mat& rgbOrGrey,
              const std::vector<std::pair<std::string, std::string>>& text = {});

// Converts uint8 images to float in [-1, 1] and back (EDM: x*127.5+128, clipped).
torch::Tensor bytesToUnit(const torch::Tensor& images);
torch::Tensor unitToBytes(const torch::Tensor& x);

}  // namespace onestep::io
