"""Encoders: a CNN that turns an image into a set of objects, and an LSTM that embeds the sentence.

A Relation Network reasons about *objects*, but an NLVR image is just pixels. The trick of
Santoro et al. (2017) is to let a small CNN decide what an object is: after a few convolutions
and poolings the image has become an ``h x w`` grid of ``c``-channel feature vectors, and each
cell of that grid is one object, a description of what the network saw in that part of the
image. Reshaping the map ``(batch, h, w, c)`` to ``(batch, h * w, c)`` gives the set of objects
the relation module pairs up. Cell (row, col) becomes object ``row * w + col`` (row-major).

Three CNN configurations (:data:`CNN_CONFIGS`):

- ``"seed"`` (the Keras NLVR tutorial this course starts from, slimmed): 4 blocks of
  3x3 conv (stride 1, "same" padding) + BatchNorm + ReLU with 16, 16, 16, 32 filters, and
  max-pooling of 4, 3 and 2 (pool size = stride, "valid") after the first three blocks.
  On a 50x200 NLVR image: 50x200 -> pool 4 -> 12x50 -> pool 3 -> 4x16 -> pool 2 -> 2x8, so the
  last block gives a **2x8x32 map: 16 objects of 32 features**
  (floor division: 50 // 4 = 12, 12 // 3 = 4, 4 // 2 = 2; 200 // 4 = 50, 50 // 3 = 16, 16 // 2 = 8).
- ``"paper"`` (the paper's CNN for CLEVR from pixels): "4 convolutional layers each with 24
  kernels, ReLU non-linearities, and batch normalization" (Santoro et al. 2017, model configuration
  details). The paper gives no kernel size or stride; 3x3 kernels with stride 2 ("same" padding) and
  no pooling are those of the PyTorch reproduction kimhc6028/relational-networks, which uses this CNN
  on Sort-of-CLEVR (the paper's own Sort-of-CLEVR CNN had 32, 64, 128 and 256 kernels). On 75x75
  inputs (Sort-of-CLEVR): 75 -> 38 -> 19 -> 10 -> 5, a 5x5x24 map, 25 objects. On a 50x200 NLVR
  image it gives 4x13 = 52 objects (2704 ordered pairs: much more work for the relation module).
- ``"course"`` (Sort-of-CLEVR's ``course`` preset, sized for a CPU): the ``"paper"`` CNN with its last
  convolution unpadded ("valid"): 75 -> 38 -> 19 -> 10 -> 4, a 4x4x24 map, 16 objects (256 ordered
  pairs, 136 unordered ones with self-pairs, against the paper CNN's 625).

The objects know *what* they contain but not *where* they are, and many NLVR sentences are about
positions ("at the top", "touching the edge"). :class:`CoordinateTagging` appends each cell's
(row, col), scaled to [-1, 1], to its feature vector, as the paper does.

The question side is a word embedding (optionally initialised from a pre-trained matrix such as
GloVe) followed by a bidirectional LSTM whose final states form the ``question_embedding``.
Token id 0 is padding: the embedding's ``mask_zero=True`` makes the LSTM skip it.

Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

__all__ = ["CNN_CONFIGS", "CNN_ORDERS", "BATCHNORMS", "CoordinateTagging", "cnn_config", "feature_map_shape",
           "cnn_feature_map", "cnn_objects", "build_cnn_encoder", "question_embedding", "QuestionTokens", "build_question_encoder"]

#: The three CNN configurations (see the module docstring). ``pool_sizes[k]`` is the max-pooling
#: size (and stride) after block k, or None for no pooling.
CNN_CONFIGS = {
    "seed": {"filters": (16, 16, 16, 32), "kernel_size": 3, "strides": 1, "pool_sizes": (4, 3, 2, None),
             "order": "bn_relu", "kernel_initializer": "glorot_uniform", "batchnorm": "keras", "padding": "same"},
    "paper": {"filters": (24, 24, 24, 24), "kernel_size": 3, "strides": 2, "pool_sizes": (None,) * 4,
              "order": "bn_relu", "kernel_initializer": "glorot_uniform", "batchnorm": "keras", "padding": "same"},
    "course": {"filters": (24, 24, 24, 24), "kernel_size": 3, "strides": 2, "pool_sizes": (None,) * 4,
               "order": "bn_relu", "kernel_initializer": "glorot_uniform", "batchnorm": "keras",
               "padding": ("same", "same", "same", "valid")},
}
#: Values of the ``order`` setting: BatchNorm then ReLU in each block, or ReLU then BatchNorm (the
#: order of the best-known PyTorch Sort-of-CLEVR reproduction, whose objects are then zero-mean).
CNN_ORDERS = ("bn_relu", "relu_bn")
#: Values of the ``batchnorm`` setting: the (momentum, epsilon) of every BatchNormalization layer.
#: Keras's defaults, or PyTorch's (``nn.BatchNorm2d``: momentum 0.1 for the *new* batch, i.e. 0.9 in
#: Keras's convention, and epsilon 1e-5, which can matter for channels non-zero on few pixels).
BATCHNORMS = {"keras": (0.99, 1e-3), "pytorch": (0.9, 1e-5)}


def cnn_config(cnn="seed", **overrides) -> dict:
    """A CNN configuration: a name of :data:`CNN_CONFIGS` or a dict, with any key overridden.

    Keys: ``filters`` (one number per block), ``kernel_size``, ``strides`` (of the convolutions),
    ``pool_sizes`` (one per block, None = no pooling), ``order`` (``"bn_relu"`` or ``"relu_bn"``:
    where BatchNorm sits in each block, see :data:`CNN_ORDERS`), ``kernel_initializer`` of the
    convolutions (Keras's default ``"glorot_uniform"``; the seed's code used ``"he_normal"``),
    ``batchnorm`` (``"keras"`` or ``"pytorch"``: the BatchNorm momentum and epsilon, see :data:`BATCHNORMS`),
    ``padding`` of the convolutions (``"same"`` or ``"valid"``, or one of them per block).

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    if isinstance(cnn, str):
        if cnn not in CNN_CONFIGS:
            raise ValueError(f"unknown CNN configuration {cnn!r}; choose one of {sorted(CNN_CONFIGS)} "
                             "or pass a dict with filters, kernel_size, strides, pool_sizes.")
        config = dict(CNN_CONFIGS[cnn])
    else:
        config = dict(CNN_CONFIGS["seed"], **dict(cnn))
    config.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(config) - set(CNN_CONFIGS["seed"])
    if unknown:
        raise ValueError(f"unknown CNN setting(s) {sorted(unknown)}; known: {sorted(CNN_CONFIGS['seed'])}.")
    config["filters"] = tuple(int(f) for f in config["filters"])
    pools = config["pool_sizes"]
    pools = tuple(pools) if pools is not None else (None,) * len(config["filters"])
    if len(pools) != len(config["filters"]):
        raise ValueError(f"pool_sizes needs one entry per block ({len(config['filters'])}); got {pools}.")
    config["pool_sizes"] = pools
    pads = config["padding"]
    pads = (pads,) * len(config["filters"]) if isinstance(pads, str) else tuple(pads)
    if len(pads) != len(config["filters"]) or not set(pads) <= {"same", "valid"}:
        raise ValueError(f"padding must be 'same' or 'valid', or one of them per block "
                         f"({len(config['filters'])}); got {config['padding']!r}.")
    config["padding"] = pads
    if config["order"] not in CNN_ORDERS:
        raise ValueError(f"CNN order must be one of {CNN_ORDERS}; got {config['order']!r}.")
    if config["batchnorm"] not in BATCHNORMS:
        raise ValueError(f"CNN batchnorm must be one of {tuple(BATCHNORMS)}; got {config['batchnorm']!r}.")
    return config


def feature_map_shape(image_shape=(50, 200, 3), cnn="seed", coordinates=False, **overrides):
    """The (h, w, c) of the CNN's feature map for an image shape, computed without building anything.

    >>> feature_map_shape((50, 200, 3))
    (2, 8, 32)
    >>> feature_map_shape((75, 75, 3), "paper")
    (5, 5, 24)

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    config = cnn_config(cnn, **overrides)
    h, w = image_shape[0], image_shape[1]
    s, k = config["strides"], config["kernel_size"]
    for pool, pad in zip(config["pool_sizes"], config["padding"]):
        if pad == "same":
            h, w = -(-h // s), -(-w // s)  # "same" padding: ceil(size / stride)
        else:
            h, w = (h - k) // s + 1, (w - k) // s + 1  # "valid": the kernel stays inside
        if pool:
            h, w = h // pool, w // pool  # "valid" pooling with stride = pool size
    return h, w, config["filters"][-1] + (2 if coordinates else 0)


@keras.saving.register_keras_serializable(package="rnlib")
class CoordinateTagging(layers.Layer):
    """Append each cell's (row, col) coordinates, scaled to [-1, 1], to a feature map.

    ``(batch, h, w, c) -> (batch, h, w, c + 2)``: channel ``c`` is the row coordinate
    (-1 at the top, +1 at the bottom), channel ``c + 1`` the column (-1 left, +1 right); a
    single row or column gets 0. Works for any h and w, also unknown until the graph runs.

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """

    def call(self, feature_map):
        x = ops.convert_to_tensor(feature_map)
        batch, h, w = ops.shape(x)[0], ops.shape(x)[1], ops.shape(x)[2]
        rows = _scaled_positions(h, x.dtype)
        cols = _scaled_positions(w, x.dtype)
        rows = ops.broadcast_to(ops.reshape(rows, (1, -1, 1, 1)), (batch, h, w, 1))
        cols = ops.broadcast_to(ops.reshape(cols, (1, 1, -1, 1)), (batch, h, w, 1))
        return ops.concatenate([x, rows, cols], axis=-1)

    def compute_output_shape(self, input_shape):
        channels = None if input_shape[-1] is None else input_shape[-1] + 2
        return tuple(input_shape[:-1]) + (channels,)


def _scaled_positions(size, dtype):
    """0 .. size-1 mapped linearly onto [-1, 1] (0 when size is 1)."""
    r = ops.cast(ops.arange(size), dtype)
    last = ops.cast(size, dtype) - 1.0
    return (2.0 * r - last) / ops.maximum(last, 1.0)


def cnn_feature_map(images, cnn="seed", name="cnn", **overrides):
    """Apply the CNN to an image tensor: (batch, H, W, 3) -> feature map (batch, h, w, c).

    Blocks are Conv2D -> BatchNormalization -> ReLU [-> MaxPooling2D] (with ``order="relu_bn"``:
    Conv2D -> ReLU -> BatchNormalization [-> MaxPooling2D]), named ``{name}_conv_{k}``,
    ``{name}_bn_{k}``, ``{name}_relu_{k}``, ``{name}_pool_{k}`` (k from 1).
    ``cnn`` and ``overrides`` as in :func:`cnn_config`.

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    config = cnn_config(cnn, **overrides)
    momentum, epsilon = BATCHNORMS[config["batchnorm"]]
    x = images
    for k, (filters, pool, pad) in enumerate(zip(config["filters"], config["pool_sizes"], config["padding"]),
                                             start=1):
        x = layers.Conv2D(filters, config["kernel_size"], strides=config["strides"], padding=pad,
                          kernel_initializer=config["kernel_initializer"], name=f"{name}_conv_{k}")(x)
        norm = layers.BatchNormalization(momentum=momentum, epsilon=epsilon, name=f"{name}_bn_{k}")
        relu = layers.ReLU(name=f"{name}_relu_{k}")
        x = relu(norm(x)) if config["order"] == "bn_relu" else norm(relu(x))
        if pool:
            x = layers.MaxPooling2D(pool, strides=pool, name=f"{name}_pool_{k}")(x)
    return x


def cnn_objects(images, cnn="seed", coordinates=False, name="cnn", **overrides):
    """Image tensor -> objects (batch, h * w, c [+ 2]): the CNN's feature-map cells as a set.

    Object ``row * w + col`` is cell (row, col). With ``coordinates=True`` each object ends with
    its (row, col) scaled to [-1, 1] (:class:`CoordinateTagging`). The seed configuration on
    50x200x3 images gives (batch, 16, 32) (or (batch, 16, 34) with coordinates).

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    x = cnn_feature_map(images, cnn=cnn, name=name, **overrides)
    if coordinates:
        x = CoordinateTagging(name="coordinates")(x)
    return layers.Reshape((-1, x.shape[-1]), name="objects")(x)


def build_cnn_encoder(image_shape=(50, 200, 3), cnn="seed", coordinates=False, name="cnn_encoder",
                      **overrides) -> keras.Model:
    """A stand-alone model ``image -> objects`` (see :func:`cnn_objects`).

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    images = keras.Input(shape=tuple(image_shape), name="image")
    return keras.Model(images, cnn_objects(images, cnn=cnn, coordinates=coordinates, **overrides), name=name)


def question_embedding(tokens, vocab_size, embedding_dim=50, lstm_units=64, embedding_matrix=None,
                       trainable_embeddings=True, bidirectional=True, mask_padding=True,
                       recurrent_l2=0.0, recurrent_dropout=0.0):
    """Token ids (batch, T) -> question embedding (batch, 2 * lstm_units) (or lstm_units).

    ``Embedding(vocab_size, embedding_dim, mask_zero=mask_padding)`` (layer ``word_embedding``), then
    ``Bidirectional(LSTM(lstm_units))`` (layer ``question_embedding``), whose forward and backward
    final states are concatenated. Id 0 is padding; with ``mask_padding`` it is masked and the
    LSTM's result does not depend on how many pads surround the sentence (the seed had no mask:
    ``mask_padding=False`` makes the LSTM read the pads as zero vectors). ``embedding_matrix``
    (vocab_size, embedding_dim), e.g. GloVe vectors, initialises the embedding;
    ``trainable_embeddings=False`` freezes it. ``recurrent_l2`` and ``recurrent_dropout`` are the
    LSTM's ``recurrent_regularizer=l2(...)`` and ``recurrent_dropout`` (the seed: 0.01 and 0.25).

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    weights = None
    if embedding_matrix is not None:
        weights = np.asarray(embedding_matrix, dtype="float32")
        if weights.shape != (vocab_size, embedding_dim):
            raise ValueError(f"embedding_matrix must have shape (vocab_size, embedding_dim) = "
                             f"({vocab_size}, {embedding_dim}); got {weights.shape}.")
    x = layers.Embedding(vocab_size, embedding_dim, mask_zero=bool(mask_padding), weights=weights,
                         trainable=bool(trainable_embeddings), name="word_embedding")(tokens)
    lstm = layers.LSTM(lstm_units, recurrent_regularizer=keras.regularizers.L2(recurrent_l2) if recurrent_l2 else None,
                       recurrent_dropout=float(recurrent_dropout), name=None if bidirectional else "question_embedding")
    return layers.Bidirectional(lstm, name="question_embedding")(x) if bidirectional else lstm(x)


@keras.saving.register_keras_serializable(package="rnlib")
class QuestionTokens(layers.Layer):
    """The model's token input: carries the vocabulary it was trained with, and sets the padding side.

    Token ids come from ``keras.layers.TextVectorization`` with the pads *after* the words
    (``[5, 9, 2, 0, 0]``). With ``padding="pre"`` this layer moves every row's words to its end
    (``[0, 0, 5, 9, 2]``), as the seed's ``pad_sequences`` did; with ``"post"`` it passes the ids
    through. ``vocabulary`` (the fitted vectorizer's ``get_vocabulary()``) is stored in the layer's
    config, so a saved model carries what is needed to turn new sentences into its ids
    (:func:`rnlib.text.vectorizer_from_vocabulary`).

    Introduced in notebooks/04_training.ipynb.
    """

    def __init__(self, vocabulary=(), padding="post", **kwargs):
        super().__init__(**kwargs)
        if padding not in ("pre", "post"):
            raise ValueError(f"padding must be 'pre' or 'post'; got {padding!r}.")
        self.vocabulary, self.padding = tuple(str(w) for w in vocabulary), padding

    def call(self, tokens):
        tokens = ops.convert_to_tensor(tokens)
        if self.padding == "post":
            return tokens
        length = ops.shape(tokens)[1]
        n_pads = ops.sum(ops.cast(ops.equal(tokens, 0), "int32"), axis=1, keepdims=True)  # (batch, 1)
        position = ops.expand_dims(ops.arange(length, dtype="int32"), 0)  # (1, T)
        source = ops.mod(position - n_pads, length)  # the word that lands at each position
        moved = ops.take_along_axis(tokens, ops.cast(source, "int32"), axis=1)
        return ops.where(position < n_pads, ops.zeros_like(moved), moved)

    def get_config(self):
        return {**super().get_config(), "vocabulary": list(self.vocabulary), "padding": self.padding}


def build_question_encoder(vocab_size, sequence_length=32, embedding_dim=50, lstm_units=64,
                           embedding_matrix=None, trainable_embeddings=True, bidirectional=True,
                           name="question_encoder") -> keras.Model:
    """A stand-alone model ``tokens -> question_embedding`` (see :func:`question_embedding`).

    Introduced in notebooks/02_cnn_and_lstm_encoders.ipynb.
    """
    tokens = keras.Input(shape=(sequence_length,), dtype="int32", name="tokens")
    q = question_embedding(tokens, vocab_size, embedding_dim=embedding_dim, lstm_units=lstm_units,
                           embedding_matrix=embedding_matrix, trainable_embeddings=trainable_embeddings,
                           bidirectional=bidirectional)
    return keras.Model(tokens, q, name=name)
