#pragma once
// Learning-rate schedules, stepped once per epoch as in PyTorch: each sets the optimizer's rate from the
// base rate it had when the schedule was made.
//   StepLR:             lr(e) = base * gamma^floor(e / step_size)
//   CosineAnnealingLR:  lr(e) = eta_min + (base - eta_min) * (1 + cos(pi * e / T_max)) / 2
#include <cmath>

#include "fnn/optim/optimizer.hpp"

namespace fnn {

template <class Scalar>
class StepLR {
 public:
  StepLR(Optimizer<Scalar>& optimizer, int step_size, double gamma = 0.1)
      : opt_(optimizer), base_(optimizer.lr()), step_size_(step_size), gamma_(gamma) {
    if (step_size < 1) throw ValueError("StepLR: step_size must be positive");
  }
  void step() { opt_.set_lr(base_ * std::pow(gamma_, static_cast<double>(++epoch_ / step_size_))); }
  int epoch() const { return epoch_; }

 private:
  Optimizer<Scalar>& opt_;
  double base_;
  int step_size_;
  double gamma_;
  int epoch_ = 0;
};

template <class Scalar>
class CosineAnnealingLR {
 public:
  CosineAnnealingLR(Optimizer<Scalar>& optimizer, int t_max, double eta_min = 0.0)
      : opt_(optimizer), base_(optimizer.lr()), t_max_(t_max), eta_min_(eta_min) {
    if (t_max < 1) throw ValueError("CosineAnnealingLR: T_max must be positive");
  }
  void step() {
    ++epoch_;
    const double pi = 3.14159265358979323846;
    opt_.set_lr(eta_min_ + (base_ - eta_min_) * (1 + std::cos(pi * epoch_ / t_max_)) / 2);
  }
  int epoch() const { return epoch_; }

 private:
  Optimizer<Scalar>& opt_;
  double base_;
  int t_max_;
  double eta_min_;
  int epoch_ = 0;
};

}  // namespace fnn
