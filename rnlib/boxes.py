"""Per-box perception for NLVR: each of the three boxes gets its own grid of objects, pairs stay inside a box.

The pixel RN of notebooks 04-07 cuts the whole 50 x 200 image into one 2 x 8 grid: 16 cells of
24 x 24 pixels that ignore where the boxes are (two of the eight columns lie mostly on the grey strips
between boxes, others straddle a box's edge, and the last 8 pixel columns fall outside every cell).
A box of scattered items gets about four cells for up to 7 items, and most items share a cell
(notebook 05, section 7).
NLVR's layout is fixed (three 100 x 100 boxes at x = 0, 150 and 300 of a 400 x 100 canvas;
:mod:`rnlib.data.render`), and its sentences are about items inside boxes and about how many boxes
have a property. So the box RN (``build_nlvr_model("box_rn", ...)``, notebook 07) does this:

1. :class:`BoxCrops` cuts the three boxes out of the image, ``(batch, 50, 200, 3) -> (3 batch, 50, 50, 3)``
   (the boxes become examples of a three-times larger batch; the strips are left out);
2. one CNN, shared by the boxes, turns each box into a 3 x 3 grid: the seed CNN with pools of 4 and 4
   (the seed's 4, 3, 2 would shrink a 50 x 50 box to 2 x 2: 50 -> 12 -> 4 -> 2; 4 and 4 give
   50 -> 12 -> 3), so 9 pooling windows of 16 x 16 input pixels (48 of the box's 50 each way), each
   object tagged with its position *inside the box* (the two convolutions after the last pooling let
   every object see its neighbours);
3. the relation network runs on each box's 9 objects: ``g_theta`` on its 45 unordered pairs
   (9 * 10 / 2: each object is also paired with itself; 135 for the three boxes, the 2 x 8 grid's
   16 * 17 / 2 = 136), summed, then ``f_phi``'s first layer, per box;
4. :class:`BoxSum` adds the three boxes' vectors, ``(3 batch, u) -> (batch, u)``, and the rest of
   ``f_phi`` reads the answer.

No pair crosses a box and no object knows which box it is in, so the answer cannot depend on the
order in which the boxes are drawn: an example's 6 images (NLVR's box orders) get the same answer by
construction (up to float rounding). ``f_phi``'s first layer runs per box, before the sum: a sum of
``g_theta`` over all pairs mixes the boxes (two yellow items in one box and one in each of two boxes can
give the same sum), while a Dense + ReLU layer on each box's own sum can say "this box has the property",
and adding those counts boxes.

Introduced in notebooks/07_sim_to_real.ipynb.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from .data.render import BOX, BOX_STRIDE, WIDTH

__all__ = ["BOXES", "BoxCrops", "BoxSum", "PerBox", "box_columns"]

#: Boxes in an NLVR image.
BOXES = 3


def box_columns(image_width: int) -> list[tuple[int, int]]:
    """The columns [start, end) of the three boxes in an image ``image_width`` pixels wide (NLVR's 400, scaled).

    >>> box_columns(200)
    [(0, 50), (75, 125), (150, 200)]
    """
    if (image_width * BOX_STRIDE) % WIDTH or (image_width * BOX) % WIDTH:  # 3 W / 8 and W / 4 must be whole
        raise ValueError(f"an image {image_width} pixels wide does not put NLVR's boxes on whole pixels "
                         f"(boxes at x = 0, 150, 300 of {WIDTH}, {BOX} wide); use a width that is a multiple of 8, such as 200.")
    return [(BOX_STRIDE * b * image_width // WIDTH, (BOX_STRIDE * b + BOX) * image_width // WIDTH) for b in range(BOXES)]


@keras.saving.register_keras_serializable(package="rnlib")
class BoxCrops(layers.Layer):
    """Cut NLVR's three boxes out of an image: ``(batch, H, W, c) -> (3 batch, H, box width, c)``.

    Row ``3 k + b`` of the output is box ``b`` (drawing position, left to right) of example ``k``.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """

    def call(self, images):
        x = ops.convert_to_tensor(images)
        columns = box_columns(x.shape[2])
        boxes = ops.stack([x[:, :, s:e] for s, e in columns], axis=1)  # (batch, 3, H, w, c)
        return ops.reshape(boxes, (-1, *boxes.shape[2:]))

    def compute_output_shape(self, input_shape):
        (s, e), *_ = box_columns(input_shape[2])
        batch = None if input_shape[0] is None else BOXES * input_shape[0]
        return (batch, input_shape[1], e - s, input_shape[3])


@keras.saving.register_keras_serializable(package="rnlib")
class BoxSum(layers.Layer):
    """Add each example's three box vectors: ``(3 batch, u) -> (batch, u)`` (the inverse layout of :class:`BoxCrops`).

    Introduced in notebooks/07_sim_to_real.ipynb.
    """

    def call(self, x):
        x = ops.convert_to_tensor(x)
        return ops.sum(ops.reshape(x, (-1, BOXES, x.shape[-1])), axis=1)

    def compute_output_shape(self, input_shape):
        return (None if input_shape[0] is None else input_shape[0] // BOXES, input_shape[-1])


@keras.saving.register_keras_serializable(package="rnlib")
class PerBox(layers.Layer):
    """Repeat each example's vector once per box: ``(batch, q) -> (3 batch, q)``, in :class:`BoxCrops`' order.

    Introduced in notebooks/07_sim_to_real.ipynb.
    """

    def call(self, x):
        return ops.repeat(ops.convert_to_tensor(x), BOXES, axis=0)

    def compute_output_shape(self, input_shape):
        return (None if input_shape[0] is None else BOXES * input_shape[0], *input_shape[1:])
