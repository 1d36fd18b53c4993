#pragma once
// The five seed models as the benchmarks train them: architecture, batch size, optimizer and loss as in the example
// programs' defaults. benchmarks/pytorch/seed_models.py defines the same table for PyTorch.
#include <fnn/extras.hpp>
#include <memory>
#include <string>
#include <vector>

namespace bench {

enum class OptimizerKind { adam, sgd_momentum };

struct SeedModel {
  std::string name;          // the benchmark's name, also the PyTorch script's
  std::string architecture;  // fnn::models::by_name
  fnn::Index batch_size;
  OptimizerKind optimizer;
  double lr;
  bool log_softmax_output;  // trained with NLLLoss; otherwise the model outputs
                            // logits for CrossEntropyLoss
};

inline const std::vector<SeedModel>& seed_models() {
  static const std::vector<SeedModel> models{
      {"lenet", "lenet", 20, OptimizerKind::adam, 0.001, false},
      {"mlp_dropout", "mlp_dropout", 64, OptimizerKind::adam, 0.003, true},
      {"cnn_20_50", "cnn_20_50", 75, OptimizerKind::sgd_momentum, 0.01, false},
      {"mlp", "mlp", 64, OptimizerKind::sgd_momentum, 0.001, false},
      {"vgg_like_bn", "vgg_like_bn", 64, OptimizerKind::adam, 0.001, false},
  };
  return models;
}

inline const SeedModel& seed_model(const std::string& name) {
  for (const auto& m : seed_models()) {
    if (m.name == name) return m;
  }
  std::string known;
  for (const auto& m : seed_models()) known += " " + m.name;
  throw fnn::ValueError("unknown seed model '" + name + "' (known:" + known + ")");
}

inline std::unique_ptr<fnn::Optimizer<float>> make_optimizer(const SeedModel& m, fnn::Sequential<float>& model) {
  if (m.optimizer == OptimizerKind::adam)
    return std::make_unique<fnn::Adam<float>>(model.parameters(), fnn::AdamOptions().lr(m.lr));
  return std::make_unique<fnn::SGD<float>>(model.parameters(), fnn::SGDOptions().lr(m.lr).momentum(0.9));
}

// A model with its optimizer and loss, ready for training steps on [batch, 1, 28, 28] images. Training
// goes through fnn::DataParallel, which splits each batch between the threads where the model computes
// every sample by itself (the models without BatchNorm or Dropout) and otherwise runs the model alone.
class Trainer {
 public:
  Trainer(const SeedModel& m, std::uint64_t seed)
      : spec_(m),
        rng_(seed),
        model_(fnn::models::by_name<float>(m.architecture, rng_)),
        optimizer_(make_optimizer(m, model_)),
        parallel_(model_) {}
  Trainer(const Trainer&) = delete;  // parallel_ refers to model_
  Trainer& operator=(const Trainer&) = delete;

  // One step: forward, loss, backward, optimizer. Returns the batch's mean loss.
  float step(const fnn::Tensor<float>& images, const fnn::Targets& labels) {
    optimizer_->zero_grad();
    const auto& scores = parallel_.forward(images);
    float loss;
    if (spec_.log_softmax_output) {
      loss = nll_.forward(scores, labels);
      parallel_.backward(nll_.backward());
    } else {
      loss = cross_entropy_.forward(scores, labels);
      parallel_.backward(cross_entropy_.backward());
    }
    optimizer_->step();
    return loss;
  }

  // One training epoch through the library's own loop (fnn::train::train_epoch), as fit() runs it; with
  // `processes`, this process's part of a data-parallel epoch (the loader sharded, the replicas in step);
  // with `tuner`, the threads follow the machine's load as in fit().
  fnn::train::PassResult train_epoch(fnn::data::DataLoader<float>& loader,
                                     fnn::distributed::Communicator* processes = nullptr,
                                     fnn::train::ThreadTuner* tuner = nullptr) {
    parallel_.set_finite_checks(true);
    fnn::train::BatchCallback after_batch;
    if (tuner) {
      tuner->start_pass();
      after_batch = [tuner](fnn::Index, fnn::Index, const fnn::train::PassResult& so_far) {
        tuner->step_done(so_far.count);
      };
    }
    if (spec_.log_softmax_output) {
      return fnn::train::train_epoch(parallel_, nll_, *optimizer_, loader, after_batch, processes);
    }
    return fnn::train::train_epoch(parallel_, cross_entropy_, *optimizer_, loader, after_batch, processes);
  }

  fnn::Sequential<float>& model() { return model_; }
  const SeedModel& spec() const { return spec_; }

 private:
  SeedModel spec_;
  fnn::Rng rng_;
  fnn::Sequential<float> model_;
  std::unique_ptr<fnn::Optimizer<float>> optimizer_;
  fnn::DataParallel<float> parallel_;  // of model_
  fnn::NLLLoss<float> nll_;
  fnn::CrossEntropyLoss<float> cross_entropy_;
};

}  // namespace bench
