"""Topic-labelled papers for the recommendation quality evaluation.

Two kinds of rows, both (topic, title, abstract):

* ``REAL_TOPICS``: titles of real papers in the bundled corpus (:mod:`.corpus`, i.e. the
  seed page and the fixtures) with a topic label given by hand; their abstracts come from
  the corpus. Papers without a topic partner are left out (they would be queries without
  answers) but stay in the candidate pool as distractors.
* ``WRITTEN``: short hand-written summaries (our own words) of well-known papers in six
  further topics, so that the evaluation has more than four topics. They are not real
  abstracts and are marked as such in docs/recommendations.md.
"""

from __future__ import annotations

REAL_TOPICS: dict[str, str] = {
    # transfer learning of pre-trained vision models
    "Reprogramming under constraints: Revisiting efficient and reliable transferability of "
    "lottery tickets": "transfer",
    "ViM: Vision Middleware for Unified Downstream Transferring": "transfer",
    "Rethinking Supervised Pre-training for Better Downstream Transferring": "transfer",
    "How Well Do Sparse Imagenet Models Transfer?": "transfer",
    "Manipulating Transfer Learning for Property Inference": "transfer",
    # predicting downstream performance / scaling laws
    "Scaling Laws for Downstream Task Performance of Large Language Models": "scaling",
    "Unveiling Downstream Performance Scaling of LLMs: A Clustering-Based Perspective": "scaling",
    "Why Has Predicting Downstream Capabilities of Frontier AI Models with Scale Remained "
    "Elusive?": "scaling",
    "Collaborative Performance Prediction for Large Language Models": "scaling",
    "Performance Scaling via Optimal Transport: Enabling Data Selection from Partially "
    "Revealed Sources": "scaling",
    # continual learning and model editing
    "Aging with GRACE: Lifelong Model Editing with Discrete Key-Value Adaptors": "continual",
    "Continual Pre-Training of Large Language Models: How to (re)warm your model?": "continual",
    "A Unified Continual Learning Framework with General Parameter-Efficient Tuning": "continual",
    # LLM agents
    "Beyond Semantic Similarity: Rethinking Retrieval for Agentic Search via Direct Corpus "
    "Interaction": "agents",
    "Skill1: Unified Evolution of Skill-Augmented Agents via Reinforcement Learning": "agents",
    "LLMs Improving LLMs: Agentic Discovery for Test-Time Scaling": "agents",
}

WRITTEN: tuple[tuple[str, str, str], ...] = (
    ("diffusion", "Denoising diffusion probabilistic models",
     "We generate images with a diffusion model that learns to reverse a gradual noising "
     "process. A U-Net is trained to predict the added Gaussian noise at each timestep, and "
     "sampling runs the learned denoising chain from pure noise, reaching high FID quality "
     "on CIFAR-10 and LSUN."),
    ("diffusion", "High-resolution image synthesis with latent diffusion models",
     "Training diffusion models in pixel space is expensive. We run the denoising process "
     "in the latent space of a pretrained autoencoder, add cross-attention conditioning on "
     "text prompts, and obtain text-to-image synthesis and inpainting at a fraction of the "
     "compute."),
    ("diffusion", "Classifier-free diffusion guidance",
     "Guidance trades sample diversity for fidelity in conditional diffusion models. We "
     "jointly train a conditional and an unconditional denoiser and mix their noise "
     "predictions at sampling time, removing the need for a separate image classifier."),
    ("diffusion", "Score-based generative modeling through stochastic differential equations",
     "We unify score matching and diffusion probabilistic models as stochastic differential "
     "equations that perturb data to noise. A reverse-time SDE driven by the learned score "
     "generates samples, and a probability flow ODE gives exact likelihoods for images."),
    ("diffusion", "Elucidating the design space of diffusion-based generative models",
     "We separate the design choices of diffusion models: noise schedule, sampler, network "
     "preconditioning and training noise distribution. Improved samplers need fewer "
     "denoising steps and set new FID records for image generation."),
    ("rlhf", "Training language models to follow instructions with human feedback",
     "We fine-tune a language model on demonstrations, train a reward model on human "
     "preference comparisons between outputs, and optimize the policy against the reward "
     "with PPO. Labelers prefer the aligned model's answers although it is much smaller."),
    ("rlhf", "Direct preference optimization: your language model is secretly a reward model",
     "Reinforcement learning from human feedback is complex and unstable. We show that the "
     "preference objective can be optimized directly with a classification loss on "
     "preferred and rejected responses, without fitting a reward model or running PPO."),
    ("rlhf", "Constitutional AI: harmlessness from AI feedback",
     "We align an assistant to be harmless using a list of principles instead of human "
     "labels for harmful outputs. The model critiques and revises its own responses, and a "
     "preference model trained on AI feedback drives reinforcement learning."),
    ("rlhf", "Learning to summarize from human feedback",
     "We collect human comparisons between summaries, train a reward model to predict the "
     "preferred summary, and fine-tune a summarization policy with reinforcement learning "
     "against that reward, beating supervised fine-tuning on human preference."),
    ("rlhf", "Scaling laws for reward model overoptimization",
     "Optimizing a policy against a learned reward model eventually lowers the true "
     "preference score. We measure how this overoptimization depends on reward model size "
     "and KL distance under best-of-n sampling and reinforcement learning with PPO."),
    ("graphs", "Semi-supervised classification with graph convolutional networks",
     "We propose a graph convolutional network that propagates node features over the "
     "normalized adjacency matrix, a first-order approximation of spectral graph "
     "convolutions, and classify nodes in citation networks with few labels."),
    ("graphs", "Graph attention networks",
     "Graph attention layers let each node attend over its neighbours' features with "
     "learned attention coefficients, avoiding costly spectral operations and handling "
     "inductive node classification on unseen graphs."),
    ("graphs", "How powerful are graph neural networks?",
     "We analyse the expressive power of message passing graph neural networks with the "
     "Weisfeiler-Lehman graph isomorphism test and design the graph isomorphism network, "
     "whose sum aggregation over neighbours is maximally expressive."),
    ("graphs", "Inductive representation learning on large graphs",
     "GraphSAGE learns aggregator functions that sample and aggregate features from a "
     "node's local neighbourhood, producing node embeddings for nodes and graphs never "
     "seen during training."),
    ("graphs", "Neural message passing for quantum chemistry",
     "We reformulate graph neural networks as message passing between atoms of a molecule "
     "and its bonds, and predict quantum chemical properties of molecular graphs with "
     "near chemical accuracy."),
    ("speech", "wav2vec 2.0: self-supervised learning of speech representations",
     "We mask latent speech representations from raw audio and solve a contrastive task "
     "over quantized units. Fine-tuned on minutes of labeled data, the model achieves low "
     "word error rate in automatic speech recognition."),
    ("speech", "Robust speech recognition via large-scale weak supervision",
     "Whisper is an encoder-decoder transformer trained on hundreds of thousands of hours "
     "of multilingual audio with transcripts from the web. It transcribes and translates "
     "speech zero-shot with robustness to accents and noise."),
    ("speech", "Conformer: convolution-augmented transformer for speech recognition",
     "We combine convolution and self-attention in the acoustic encoder, modelling local "
     "and global dependencies of audio sequences, and reduce word error rate on "
     "LibriSpeech speech recognition."),
    ("speech", "HuBERT: self-supervised speech representation learning by masked prediction",
     "An offline clustering step provides target labels for masked prediction over audio "
     "frames; iterating the clustering refines the speech units, matching wav2vec 2.0 on "
     "speech recognition benchmarks with low-resource fine-tuning."),
    ("speech", "SpecAugment: a simple data augmentation method for speech recognition",
     "We augment the log mel spectrogram of the audio input by warping it in time and "
     "masking blocks of frequency channels and time steps, improving end-to-end speech "
     "recognition word error rate without a language model."),
    ("protein", "Highly accurate protein structure prediction with AlphaFold",
     "We predict the three-dimensional structure of a protein from its amino acid sequence "
     "and multiple sequence alignment, with an attention network over residue pairs that "
     "reaches atomic accuracy in the CASP14 assessment."),
    ("protein", "Evolutionary-scale prediction of atomic-level protein structure with a "
     "language model",
     "A protein language model trained on millions of amino acid sequences learns "
     "structure; ESMFold predicts protein structure from a single sequence without "
     "alignments, fast enough for a metagenomic atlas."),
    ("protein", "Robust deep learning based protein sequence design using ProteinMPNN",
     "Given a protein backbone structure, a message passing network designs amino acid "
     "sequences that fold into it, recovering native sequences and improving experimental "
     "success of designed proteins."),
    ("protein", "De novo design of protein structure and function with RFdiffusion",
     "We fine-tune a structure prediction network as a denoising model over protein "
     "backbones and generate new protein binders, symmetric assemblies and enzyme active "
     "sites that are validated experimentally."),
    ("protein", "Learning the protein language: evolution, structure and function",
     "Self-supervised transformers trained on protein sequence databases capture residue "
     "contacts, secondary structure and mutational effects of proteins from the amino acid "
     "sequence alone."),
    ("rag", "Retrieval-augmented generation for knowledge-intensive NLP tasks",
     "We combine a pretrained sequence-to-sequence generator with a dense passage retriever "
     "over Wikipedia and marginalize over retrieved documents, improving open-domain "
     "question answering and fact verification."),
    ("rag", "Dense passage retrieval for open-domain question answering",
     "A dual encoder embeds questions and passages so that relevant passages have high inner "
     "product; trained with in-batch negatives, dense retrieval beats BM25 for open-domain "
     "question answering."),
    ("rag", "Improving language models by retrieving from trillions of tokens",
     "RETRO conditions a language model on document chunks retrieved from a huge text "
     "database by nearest-neighbour search over frozen embeddings, matching much larger "
     "models on question answering and perplexity."),
    ("rag", "Self-RAG: learning to retrieve, generate, and critique through self-reflection",
     "The model decides when to retrieve passages, generates with the retrieved documents "
     "and emits reflection tokens that critique its own output, improving factuality of "
     "retrieval-augmented generation."),
    ("rag", "Lost in the middle: how language models use long contexts",
     "When relevant documents are placed in the middle of a long input context, question "
     "answering accuracy of retrieval-augmented language models drops, showing that models "
     "use the start and end of the context best."),
)
