package dev.maejvm.finetune.det.eval;

/**
 * What cocoeval's {@code evaluateImg} returns for one image, category and area range: the
 * detections (highest score first, at most the last detection limit) and, per IoU threshold, what
 * each matched, and which ground truths and detections are ignored.
 *
 * @param dtScores the detections' scores, in the matching order
 * @param dtMatches {@code [threshold][detection]}: the id of the ground truth matched, 0 for none
 *     (as cocoeval, which cannot tell a match to annotation id 0 from no match; see {@link #matched})
 * @param dtIgnore {@code [threshold][detection]}: matched to an ignored ground truth, or unmatched
 *     and outside the area range
 * @param gtIgnore per ground truth, in the order non-ignored first: a crowd region or outside the area range
 */
public record ImageEvaluation(long imageId, int categoryId, AreaRange area, double[] dtScores, long[][] dtMatches,
        boolean[][] dtIgnore, boolean[] gtIgnore) {

    /**
     * Whether detection {@code d} counts as matched at threshold {@code t}: cocoeval's
     * {@code dtm != 0}, so a match to a ground truth with id 0 counts as none.
     */
    public boolean matched(int t, int d) {
        return dtMatches[t][d] != 0;
    }

    /** The ground truths that are objects to find (not ignored). */
    public int objects() {
        int n = 0;
        for (boolean ig : gtIgnore) {
            n += ig ? 0 : 1;
        }
        return n;
    }
}
