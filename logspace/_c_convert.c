/* Correctly rounded log|x| and e**x of float64 (and float32) buffers, for
 * logspace._conversions.log_abs and exp_rounded.
 *
 * Each element goes through up to three stages, the first that can decide
 * the float64 rounding wins:
 *
 * 1. A double-double evaluation (table of 128 entries, a short polynomial,
 *    error-free sums and products) with a stated error bound: when both ends
 *    of [estimate - bound, estimate + bound] round to the same float64, that
 *    float is the correctly rounded result. This decides all but a fraction
 *    of a percent of the elements, at a few nanoseconds each.
 * 2. The numpy fallback's own rule, element by element: the long double
 *    logl/expl estimate rounded to float64, undecided where it lies within
 *    _LD_ULPS (4) of its ulps of a float64 midpoint, or outside float64's
 *    normal range (for the x87 80-bit format: the 11 mantissa bits that
 *    float64 drops are within 4 of 0b10000000000).
 * 3. The elements stage 2 leaves undecided are returned as a list of
 *    indices; Python redoes them with the exact scalar routines (log_cr,
 *    exp_cr), as the numpy fallback does.
 *
 * So every result is the correctly rounded one, as in the numpy fallback,
 * which is this module's test oracle (tests/test_c_convert.py compares them
 * bit for bit). Stage 1 needs double arithmetic without excess precision
 * (FLT_EVAL_METHOD == 0; elsewhere the module does not build) and without
 * contraction into fused multiply-adds (turned off below). The module is
 * used only where long double is wider than double (Python checks
 * _LD_USABLE). decimal_candidates is the pre-filter of float_of_log.
 *
 * Error bounds of stage 1 (absolute, from the magnitudes of the terms):
 * log: x = 2**E m, m in [1, 2); r = LOG_R[i] (k/256, 9 bits) for the interval
 *   of m's top 7 fraction bits, z = m r - 1 exactly (|z| <= 2**-7, a multiple
 *   of 2**-60, so a double), log x = E' ln2 + T + log1p(z) with
 *   T = -log(r 2**adjust) = LOG_T_HI[i] + LOG_T_LO[i] (a double-double, error
 *   2**-106) and E' = E + adjust (LOG_ADJUST[i]).
 *   log1p(z) = z - z**2/2 (exact double-double) + t, t = z**3 P(z) (Taylor to
 *   z**11, truncation under 2**-87; |t| < 2**-22.6, evaluated within 2**-51
 *   relative, so 2**-73.6). E' ln2_hi is exact (42-bit ln2_hi, |E'| < 2**11);
 *   E' ln2_lo is within 2**-84. The low parts add within 2**-75.5. Total
 *   under 2**-73: stage 1 uses 2**-71. Where E' = 0 and T = 0 (x in
 *   [1 - 2**-8, 1 + 2**-7)) every error is relative to z (t's under
 *   2**-66.6 |z|, the sums' under 2**-67.5 |z|), in all under 2**-66 |log x|:
 *   it uses 2**-64 |log x|.
 * exp: x = k ln2/128 + r, k = round(x 128/ln2), r = x - k c_hi - k c_lo in
 *   double-double (c_hi of 35 bits: k c_hi and x - k c_hi are exact; the rest
 *   within 2**-77), |r| < 2**-8.5; e**x = 2**(k >> 7) 2**(j/128) e**r, j = k & 127,
 *   2**(j/128) = t_hi + t_lo in double-double. e**r - 1 = r + r**2/2 (exact
 *   double-double) + r**3 P(r) (Taylor to r**7, truncation under 2**-83; under
 *   2**-28.2, evaluated within 2**-79.6); t_hi r_hi and t_hi r**2/2 are exact
 *   products, the small terms (under 2**-27) add within 2**-77.4. Total under
 *   2**-75, and the result before scaling is at least 0.997: stage 1 uses
 *   2**-72 relative, for results in the normal range (x in (-708, 709.7)),
 *   where the scaling by 2**(k >> 7) is exact.
 * The hardest cases known to the tests (closest to a midpoint among 1.2e8
 * random inputs, to 2**-82) are rounded correctly even with no bound at all.
 *
 * The tables were generated with mpmath at 300 bits by this script:
 *
 *   from mpmath import mp, mpf, log
 *   import math
 *   mp.prec = 300
 *   def dd(v):
 *       hi = float(v); return hi, float(v - mpf(hi))
 *   for i in range(128):         # LOG_R, LOG_ADJUST, LOG_T_HI, LOG_T_LO
 *       c = 1 + (mpf(i) + 0.5) / 128
 *       k = {0: 256, 127: 128}.get(i, int(mp.nint(256 / c)))
 *       r = mpf(k) / 256                     # checked: |m r - 1| <= 2**-7
 *       adjust = 1 if r < 1 / mp.sqrt(2) else 0
 *       print(k, adjust, *dd(-log(r * 2**adjust)))
 *   ln2_hi = math.ldexp(math.floor(math.ldexp(float(log(2)), 42)), -42)
 *   for j in range(128):         # EXP2_HI, EXP2_LO
 *       print(*dd(mpf(2) ** (mpf(j) / 128)))
 *   c_hi = math.ldexp(math.floor(math.ldexp(float(log(2) / 128), 42)), -42)
 *   print(ln2_hi, float(log(2) - ln2_hi), c_hi, float(log(2) / 128 - c_hi), float(128 / log(2)))
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* The double-double arithmetic and the rounding tricks need doubles rounded
 * to double (no x87 excess precision): elsewhere the build fails, and
 * logspace uses its numpy fallback. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "logspace._c_convert needs FLT_EVAL_METHOD == 0"
#endif

/* How many of its own ulps the long double logl/expl are trusted to (the
 * numpy fallback's _LD_ULPS). */
#define LD_ULPS 4

/* The tables (generated by the script in the comment at the top). */
static const double LOG_R[128] = {
    256.0 / 256, 253.0 / 256, 251.0 / 256, 249.0 / 256, 247.0 / 256, 245.0 / 256, 244.0 / 256, 242.0 / 256,
    240.0 / 256, 238.0 / 256, 237.0 / 256, 235.0 / 256, 233.0 / 256, 232.0 / 256, 230.0 / 256, 228.0 / 256,
    227.0 / 256, 225.0 / 256, 224.0 / 256, 222.0 / 256, 221.0 / 256, 219.0 / 256, 218.0 / 256, 216.0 / 256,
    215.0 / 256, 213.0 / 256, 212.0 / 256, 211.0 / 256, 209.0 / 256, 208.0 / 256, 207.0 / 256, 205.0 / 256,
    204.0 / 256, 203.0 / 256, 202.0 / 256, 200.0 / 256, 199.0 / 256, 198.0 / 256, 197.0 / 256, 196.0 / 256,
    194.0 / 256, 193.0 / 256, 192.0 / 256, 191.0 / 256, 190.0 / 256, 189.0 / 256, 188.0 / 256, 187.0 / 256,
    186.0 / 256, 185.0 / 256, 184.0 / 256, 183.0 / 256, 182.0 / 256, 181.0 / 256, 180.0 / 256, 179.0 / 256,
    178.0 / 256, 177.0 / 256, 176.0 / 256, 175.0 / 256, 174.0 / 256, 173.0 / 256, 172.0 / 256, 171.0 / 256,
    170.0 / 256, 169.0 / 256, 168.0 / 256, 168.0 / 256, 167.0 / 256, 166.0 / 256, 165.0 / 256, 164.0 / 256,
    163.0 / 256, 163.0 / 256, 162.0 / 256, 161.0 / 256, 160.0 / 256, 159.0 / 256, 159.0 / 256, 158.0 / 256,
    157.0 / 256, 156.0 / 256, 156.0 / 256, 155.0 / 256, 154.0 / 256, 153.0 / 256, 153.0 / 256, 152.0 / 256,
    151.0 / 256, 151.0 / 256, 150.0 / 256, 149.0 / 256, 149.0 / 256, 148.0 / 256, 147.0 / 256, 147.0 / 256,
    146.0 / 256, 145.0 / 256, 145.0 / 256, 144.0 / 256, 143.0 / 256, 143.0 / 256, 142.0 / 256, 142.0 / 256,
    141.0 / 256, 140.0 / 256, 140.0 / 256, 139.0 / 256, 139.0 / 256, 138.0 / 256, 137.0 / 256, 137.0 / 256,
    136.0 / 256, 136.0 / 256, 135.0 / 256, 135.0 / 256, 134.0 / 256, 133.0 / 256, 133.0 / 256, 132.0 / 256,
    132.0 / 256, 131.0 / 256, 131.0 / 256, 130.0 / 256, 130.0 / 256, 129.0 / 256, 129.0 / 256, 128.0 / 256,
};
static const double LOG_ADJUST[128] = {
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
    1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
};
static const double LOG_T_HI[128] = {
    0.0, 0.01178795575204224, 0.01972450534777859, 0.027724548014854862,
    0.03578910785158528, 0.04391923393483549, 0.048009219186360606, 0.05623971832287608,
    0.06453852113757118, 0.07290677080808779, 0.07711730334443129, 0.08559193033540351,
    0.09413899091386191, 0.09844007281325252, 0.1070981355563671, 0.1158318155251217,
    0.1202274269981598, 0.12907704227514236, 0.13353139262452263, 0.14250006260728304,
    0.14701474296180966, 0.15610571466306167, 0.16068238169047347, 0.16989903679539747,
    0.17453941635189968, 0.18388527877013736, 0.18859116980755003, 0.19331931100349597,
    0.20284319251475147, 0.2076393647782445, 0.2124586512141934, 0.2221674653411543,
    0.22705745063534608, 0.23197146543777514, 0.2369097470783577, 0.24686007793152578,
    0.2518726197550701, 0.2569104137850272, 0.26197371574157396, 0.26706278524904525,
    0.27731928541623435, 0.2824872555746769, 0.2876820724517809, 0.2929040164329326,
    0.29815337231907635, 0.3034304294199201, 0.3087354816496133, 0.31406882762497584,
    0.3194307707663612, 0.32482161940123766, 0.33024168687057687, 0.33569129163814154,
    0.34117075740276714, -0.34646676734620857, -0.3409265869705932, -0.3353555419211378,
    -0.329753286372468, -0.324119468654212, -0.3184537311185346, -0.3127557100038969,
    -0.3070250352949119, -0.3012613305781618, -0.2954642128938359, -0.28963329258304266,
    -0.2837681731306446, -0.2778684510034563, -0.27193371548364176, -0.27193371548364176,
    -0.26596354849713794, -0.25995752443692605, -0.25391520998096345, -0.24783616390458127,
    -0.24171993688714516, -0.24171993688714516, -0.2355660713127669, -0.22937410106484582,
    -0.22314355131420976, -0.21687393830061436, -0.21687393830061436, -0.21056476910734964,
    -0.2042155414286909, -0.19782574332991987, -0.19782574332991987, -0.19139485299962947,
    -0.184922338494012, -0.1784076574728183, -0.1784076574728183, -0.17185025692665923,
    -0.16524957289530717, -0.16524957289530717, -0.15860503017663857, -0.15191604202584197,
    -0.15191604202584197, -0.1451820098444979, -0.13840232285911913, -0.13840232285911913,
    -0.13157635778871926, -0.12470347850095724, -0.12470347850095724, -0.11778303565638346,
    -0.11081436634029011, -0.11081436634029011, -0.10379679368164356, -0.10379679368164356,
    -0.09672962645855111, -0.08961215868968714, -0.08961215868968714, -0.08244366921107459,
    -0.08244366921107459, -0.07522342123758753, -0.06795066190850775, -0.06795066190850775,
    -0.06062462181643484, -0.06062462181643484, -0.053244514518812285, -0.053244514518812285,
    -0.0458095360312942, -0.0383188643021366, -0.0383188643021366, -0.030771658666753687,
    -0.030771658666753687, -0.02316705928153438, -0.02316705928153438, -0.015504186535965254,
    -0.015504186535965254, -0.007782140442054949, -0.007782140442054949, 0.0,
};
static const double LOG_T_LO[128] = {
    0.0, 2.208154666796622e-19, -1.3445979863167511e-18, -1.56535712927094e-18,
    -2.740984674024185e-18, 1.762355270004629e-18, 1.4390903347292205e-18, -3.2835149805605613e-18,
    -6.470486661692933e-18, -6.306860257532778e-18, 2.5654358635266204e-18, 6.769872319991152e-18,
    1.4973805419956277e-18, -4.439009633675136e-18, -1.73705104015906e-18, 4.338484369808096e-18,
    -2.8375497328444e-18, -1.2940973323385866e-17, -3.664457663660085e-18, -9.926388234225749e-18,
    -4.46694718500102e-18, -1.2806970330932862e-17, -3.650183553047837e-18, -4.868008764439071e-19,
    -1.5833038914101321e-18, 6.716094199344591e-18, -7.432164219196925e-18, 4.630440315107144e-18,
    2.0981425921481313e-18, 1.2053243216686129e-17, -9.63115306272449e-18, -1.0797202916767509e-17,
    9.551415762738488e-18, 5.774320510479237e-18, 1.9682402978398164e-18, 1.361743371748368e-17,
    -1.8984402852371785e-18, 2.502843296152504e-17, 3.769957084925505e-18, -7.32891532732017e-18,
    -7.44528405583513e-18, 1.3652325538490778e-17, 2.607160616442564e-17, -2.097144388760612e-17,
    -1.720695867445866e-17, -4.151258540103992e-18, -1.6199186085148102e-17, 7.311073985078525e-18,
    1.354256857264811e-18, -3.7162556628635935e-18, -1.0828321637483858e-17, -7.183773020381283e-18,
    -1.9366790062602867e-17, -1.028583585496265e-17, -1.7467136443544747e-17, -1.834564437059473e-17,
    -2.122020616196946e-18, 7.958214381893813e-18, -2.7114779367326236e-17, 1.451808353098951e-17,
    1.2319916200101964e-17, 9.048511144048564e-18, 2.16461086040599e-17, -2.0535953219858174e-17,
    2.032665581126656e-17, 9.16018294909263e-19, -7.83319637697442e-19, -7.83319637697442e-19,
    -5.3393802761314314e-18, -2.069806938978935e-17, 8.048097394424201e-18, 1.2432209578702523e-17,
    -8.900990022166643e-18, -8.900990022166643e-18, 2.3943371495187355e-18, -9.927671823978025e-18,
    9.091270597324799e-18, -4.551026193234283e-18, -4.551026193234283e-18, 4.249405314729895e-18,
    -2.7338281018722773e-18, -1.2821194372980142e-17, -1.2821194372980142e-17, 1.2129496905792884e-17,
    -3.0236614153574064e-18, 1.2432553788701131e-17, 1.2432553788701131e-17, 6.0224538210113705e-18,
    1.0094935622322628e-17, 1.0094935622322628e-17, -1.1257003872182592e-17, -6.4838631244022194e-18,
    -6.4838631244022194e-18, -8.242418783022475e-18, -4.447777301357527e-18, -4.447777301357527e-18,
    -1.1123000879729588e-17, 4.6522609636496624e-18, 4.6522609636496624e-18, 1.1971685747593677e-18,
    -1.183748342825649e-18, -1.183748342825649e-18, -5.47772415726659e-18, -5.47772415726659e-18,
    5.597397486289965e-19, 5.4268129336647135e-18, 5.4268129336647135e-18, -5.700437773813987e-18,
    -5.700437773813987e-18, 5.930604196293241e-18, 1.2802141240611733e-18, 1.2802141240611733e-18,
    -2.6424025938726934e-18, -2.6424025938726934e-18, 1.665575816973663e-18, 1.665575816973663e-18,
    -1.902959866474257e-18, 2.357996157351286e-18, 2.357996157351286e-18, -1.0431732029005968e-18,
    -1.0431732029005968e-18, 1.1769544932063305e-18, 1.1769544932063305e-18, 3.278321022892429e-19,
    3.278321022892429e-19, 1.2819179123343845e-20, 1.2819179123343845e-20, 0.0,
};
static const double LN2_HI = 0.6931471805598903, LN2_LO = 5.497923018708371e-14;
static const double EXP2_HI[128] = {
    1.0, 1.0054299011128027, 1.0108892860517005, 1.016378314910953,
    1.0218971486541166, 1.0274459491187637, 1.0330248790212284, 1.0386341019613787,
    1.0442737824274138, 1.0499440858006872, 1.0556451783605572, 1.061377227289262,
    1.0671404006768237, 1.0729348675259756, 1.0787607977571199, 1.0846183622133092,
    1.0905077326652577, 1.0964290818163769, 1.102382583307841, 1.1083684117236787,
    1.1143867425958924, 1.1204377524096067, 1.1265216186082418, 1.1326385195987192,
    1.1387886347566916, 1.1449721444318042, 1.1511892299529827, 1.1574400736337511,
    1.1637248587775775, 1.1700437696832502, 1.1763969916502812, 1.182784710984341,
    1.189207115002721, 1.1956643920398273, 1.202156731452703, 1.2086843236265816,
    1.215247359980469, 1.2218460329727576, 1.22848053610687, 1.2351510639369334,
    1.241857812073484, 1.2486009771892048, 1.255380757024691, 1.2621973503942507,
    1.2690509571917332, 1.275941778396392, 1.2828700160787783, 1.2898358734066657,
    1.2968395546510096, 1.3038812651919358, 1.3109612115247644, 1.318079601266064,
    1.3252366431597413, 1.3324325470831615, 1.339667524053303, 1.3469417862329458,
    1.3542555469368927, 1.3616090206382248, 1.3690024229745905, 1.3764359707545302,
    1.383909881963832, 1.3914243757719262, 1.3989796725383112, 1.4065759938190154,
    1.4142135623730951, 1.4218926021691656, 1.42961333839197, 1.4373759974489824,
    1.4451808069770467, 1.4530279958490526, 1.460917794180647, 1.4688504333369818,
    1.4768261459394993, 1.4848451658727524, 1.4929077282912648, 1.5010140696264256,
    1.5091644275934228, 1.5173590411982147, 1.5255981507445384, 1.533881997840956,
    1.5422108254079407, 1.550584877685, 1.559004400237837, 1.567469639965553,
    1.5759808451078865, 1.5845382652524937, 1.593142151342267, 1.6017927556826934,
    1.6104903319492543, 1.6192351351948637, 1.6280274218573478, 1.6368674497669644,
    1.645755478153965, 1.6546917676561943, 1.6636765803267364, 1.6727101796415966,
    1.681792830507429, 1.6909247992693053, 1.7001063537185235, 1.709337763100463,
    1.718619298122478, 1.7279512309618377, 1.7373338352737062, 1.746767386199169,
    1.7562521603732995, 1.7657884359332727, 1.7753764925265212, 1.785016611318935,
    1.7947090750031072, 1.804454167806624, 1.8142521755003989, 1.8241033854070534,
    1.8340080864093424, 1.843966568958626, 1.8539791250833855, 1.864046048397789,
    1.8741676341103, 1.8843441790323345, 1.8945759815869656, 1.9048633418176741,
    1.9152065613971474, 1.925605943636125, 1.9360617934922943, 1.9465744175792332,
    1.9571441241754002, 1.9677712232331759, 1.978456026387951, 1.9891988469672663,
};
static const double EXP2_LO[128] = {
    0.0, 9.499186535455032e-17, -1.5234778603368577e-17, -5.77217007319966e-17,
    5.109225028973444e-17, -4.9560741746453704e-17, 7.600838874027088e-18, 5.996273788852511e-17,
    8.551889705537965e-17, 5.592937848127003e-17, 1.759325738772092e-18, -1.1973537085365658e-17,
    -7.899853966841582e-17, -3.839668843358824e-18, -6.656660436056593e-17, 3.166152845816346e-17,
    -3.046782079812471e-17, -5.919933484449316e-17, 5.2660368715706944e-17, -8.786813845180527e-17,
    1.0410278456845571e-16, -6.201085906554179e-17, 5.165856758795457e-17, 3.237356166738e-17,
    8.912812676025408e-17, 4.6412898921700107e-17, 3.250710218863827e-17, -9.1238712311344e-17,
    3.8292048369240935e-17, -1.8477442017900047e-18, 5.554203254218079e-17, 1.542975430079076e-17,
    3.982015231465646e-17, 4.6166036704814814e-17, 6.644981499252301e-17, -4.746725945228984e-17,
    -7.712630692681488e-17, -1.0611021211402691e-16, -1.89878163130253e-17, -1.0755244344307841e-16,
    4.658027591836937e-17, -8.261810999021964e-17, -6.7113898212968784e-18, -3.0844648874738465e-17,
    2.667932131342186e-18, 9.91543024421429e-17, 1.713594918243561e-17, 8.949257530897592e-17,
    2.5382502794888315e-17, 8.647675598267871e-17, -7.181536135519454e-17, -5.4579558271491535e-17,
    -2.8587312100388614e-17, -5.101586630916744e-17, 8.927282594831732e-17, 3.224065101254679e-17,
    7.70094837980299e-17, 1.533787661270668e-18, 9.593797919118849e-17, -6.898588935871801e-17,
    -6.770511658794786e-17, -4.9061748652889893e-17, -9.614213209051323e-17, 7.034914812136422e-18,
    -9.667293313452913e-17, -1.6077828915890244e-17, -1.2031642489053655e-17, -4.2040340164675566e-17,
    -3.0237581349939873e-17, -5.779948609396106e-17, -5.600377186075216e-17, 8.465882756533628e-17,
    -3.483994556892796e-17, 1.0780086764407481e-16, 1.4192920154284036e-17, -6.413767275790235e-17,
    -1.016455327754295e-16, -4.308699472043341e-17, -1.1024941712342561e-16, 8.875226844438446e-17,
    7.949834809697621e-17, -1.4600706590689385e-17, 3.7812070533575275e-17, -1.0352061768849722e-16,
    -1.0136916471278304e-17, -1.9337717034585703e-17, -1.0094406542311964e-16, -6.054917453527784e-17,
    2.4707192569797888e-17, 2.0941334154229092e-17, -6.712955084707084e-17, 7.698325071319876e-17,
    -1.0125679913674773e-16, 9.643294303196029e-17, 5.8909926967131e-17, -5.476715964599563e-17,
    8.199010020581497e-17, -9.66967147439488e-17, -8.0237193703977e-18, -9.868779456632931e-17,
    -1.851380418263111e-17, -1.0750981861204642e-16, 3.164389299292957e-17, -1.0752290483507515e-16,
    2.960140695448873e-17, 9.461315018083268e-17, 6.429731796556572e-17, 1.5330400121031314e-17,
    1.8227458427912087e-17, -5.177222408793318e-17, -9.969531538920349e-17, -1.0159627862277083e-16,
    3.283107224245627e-17, -5.939742026949965e-17, 9.761887490727594e-17, 6.540912680620572e-17,
    -6.122763413004143e-17, -8.226593125533711e-17, 3.4034035352165297e-17, 6.533857514718279e-17,
    -1.0619946056195963e-16, -9.914963769693741e-17, 1.0332385960676326e-16, 6.811022349533877e-17,
    8.960767791036668e-17, -1.0314928011531132e-16, 4.0388753109278167e-17, 8.2051326383692e-18,
};
static const double LN2_128_HI = 0.005415212347998022, LN2_128_LO = 1.2655086083325438e-13;
static const double INV_LN2_128 = 184.6649652337873;


/* ---- error-free transformations ---------------------------------------- */

static inline void two_sum(double a, double b, double *s, double *e)
{
    double sum = a + b;
    double bb = sum - a;
    *e = (a - (sum - bb)) + (b - bb);
    *s = sum;
}

static inline void two_prod(double a, double b, double *p, double *e)
{
    double prod = a * b;
#if defined(__FMA__) || defined(FP_FAST_FMA)
    *e = fma(a, b, -prod);
#else
    /* Dekker's product: split into halves of 26 bits. */
    const double splitter = 134217729.0; /* 2**27 + 1 */
    double ca = splitter * a, cb = splitter * b;
    double a_hi = ca - (ca - a), a_lo = a - a_hi;
    double b_hi = cb - (cb - b), b_lo = b - b_hi;
    *e = ((a_hi * b_hi - prod) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo;
#endif
    *p = prod;
}

static inline uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* a where condition is 1, else b, by masks: the compiler keeps it free of
 * branches (an if-converted ?: can turn back into a branch), so the loops
 * vectorise. */
static inline double choose(int condition, double a, double b)
{
    uint64_t mask = 0 - (uint64_t)condition;
    return double_of((bits_of(a) & mask) | (bits_of(b) & ~mask));
}

/* Whether the exact value, within err of hi + lo, rounds to hi. */
static inline int decided(double hi, double lo, double err)
{
    return (hi + (lo - err) == hi) & (hi + (lo + err) == hi);
}

/* ---- stage 2: long double and the fallback's rule ---------------------- */

static const double TINY = DBL_MIN;

/* _conversions._undecided for one element. */
static int ld_undecided(long double estimate, double near)
{
    double magnitude = fabs(near);
    if (!(magnitude >= TINY && magnitude < INFINITY))
        return 1;
#if LDBL_MANT_DIG == 64
    {
        uint64_t mantissa;
        memcpy(&mantissa, &estimate, sizeof mantissa); /* x87: the low 8 bytes */
        int64_t dropped = (int64_t)(mantissa & 0x7FF);
        return llabs(dropped - 0x400) <= LD_ULPS;
    }
#else
    {
        double off = fabs((double)(estimate - (long double)near));
        double spacing = nextafter(magnitude, INFINITY) - magnitude;
        return !(0.5 * spacing - off > 2.0 * LD_ULPS * (double)LDBL_EPSILON * magnitude);
    }
#endif
}

/* ---- stage 1, vectorisable loops ---------------------------------------- */

/* Compiled for several instruction sets where the compiler can (the loader
 * picks the best the CPU has), so the loops below run in SIMD registers;
 * they are written without branches for that. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

/* Elements per chunk: the float32 path converts a chunk at a time, and the
 * stage 2 pass runs over a chunk still in cache. */
#define CHUNK 1024

/* log|x| where stage 1 decides (ok[i] = 1), for positive finite |x|. */
CLONES static void log_stage_one(const double *restrict x, double *restrict out, unsigned char *restrict ok, npy_intp n)
{
    for (npy_intp i = 0; i < n; i++) {
        double magnitude = fabs(x[i]);
        int valid = (magnitude > 0.0) & (magnitude < INFINITY);
        int subnormal = magnitude < DBL_MIN;
        /* subnormals scaled exactly into the normal range; invalid ones replaced by 1
         * (every value is computed, then selected: no branches) */
        double scaled = magnitude * 0x1p64;
        double a = choose(valid, choose(subnormal, scaled, magnitude), 1.0);
        uint64_t u = bits_of(a);
        double m = double_of((u & 0x000FFFFFFFFFFFFFULL) | 0x3FF0000000000000ULL);
        uint64_t index = (u >> 45) & 127;
        double r = LOG_R[index];
        double shift = choose(subnormal, -64.0, 0.0);
        double exponent = (double_of(0x4330000000000000ULL | (u >> 52)) - 0x1p52) - 1023.0 + shift + LOG_ADJUST[index];
        /* z = m r - 1 exactly: m_hi r (32 by 9 bits) and m_lo r are exact,
         * so is m_hi r - 1 (Sterbenz), and their sum is the double z. */
        double m_hi = double_of(bits_of(m) & ~((1ULL << 21) - 1));
        double m_lo = m - m_hi;
        double z = (m_hi * r - 1.0) + m_lo * r;
        double zz_hi, zz_lo;
        two_prod(z, z, &zz_hi, &zz_lo);
        double q_hi = -0.5 * zz_hi, q_lo = -0.5 * zz_lo;
        double poly = 1.0 / 11;
        poly = poly * z - 1.0 / 10;
        poly = poly * z + 1.0 / 9;
        poly = poly * z - 1.0 / 8;
        poly = poly * z + 1.0 / 7;
        poly = poly * z - 1.0 / 6;
        poly = poly * z + 1.0 / 5;
        poly = poly * z - 1.0 / 4;
        poly = poly * z + 1.0 / 3;
        double t = z * zz_hi * poly;
        double t_hi = LOG_T_HI[index];
        double a_hi, a_lo, b_hi, b_lo, c_hi, c_lo, h, l;
        two_sum(exponent * LN2_HI, t_hi, &a_hi, &a_lo);
        a_lo += exponent * LN2_LO + LOG_T_LO[index];
        two_sum(a_hi, z, &b_hi, &b_lo);
        two_sum(b_hi, q_hi, &c_hi, &c_lo);
        double lo = ((q_lo + c_lo) + (b_lo + a_lo)) + t;
        two_sum(c_hi, lo, &h, &l);
        double relative = fabs(h) * 0x1p-64;
        double err = choose((exponent == 0.0) & (t_hi == 0.0), relative, 0x1p-71);
        out[i] = h;
        ok[i] = (unsigned char)(valid & decided(h, l, err));
    }
}

/* e**x where stage 1 decides: results in float64's normal range. */
CLONES static void exp_stage_one(const double *restrict x, double *restrict out, unsigned char *restrict ok, npy_intp n)
{
    const double shifter = 0x1.8p52; /* adding it rounds to an integer, kept in the low bits */
    for (npy_intp i = 0; i < n; i++) {
        int valid = (x[i] > -708.0) & (x[i] < 709.7);
        double xv = choose(valid, x[i], 0.0);
        double shifted = xv * INV_LN2_128 + shifter;
        double kd = shifted - shifter;
        uint64_t k = bits_of(shifted) - 0x4338000000000000ULL; /* k, two's complement */
        uint64_t j = k & 127;
        /* 2**floor(k / 128) as a double: (k - j) / 128 + 1023 in the exponent field */
        double scale = double_of(((k - j) << 45) + 0x3FF0000000000000ULL);
        double r_hi, r_lo;
        two_sum(xv - kd * LN2_128_HI, -kd * LN2_128_LO, &r_hi, &r_lo);
        /* e**r - 1 = r + r**2/2 (exact double-double) + r**3 P(r) + r_hi r_lo */
        double s_hi, s_lo;
        two_prod(r_hi, r_hi, &s_hi, &s_lo);
        double q_hi = 0.5 * s_hi, q_lo = 0.5 * s_lo;
        double poly = 1.0 / 5040;
        poly = poly * r_hi + 1.0 / 720;
        poly = poly * r_hi + 1.0 / 120;
        poly = poly * r_hi + 1.0 / 24;
        poly = poly * r_hi + 1.0 / 6;
        double cubic = r_hi * s_hi * poly;
        double t_hi = EXP2_HI[j], t_lo = EXP2_LO[j];
        /* (t_hi + t_lo)(1 + r + q + cubic): the products by t_hi of r_hi and q_hi exact */
        double b_hi, b_lo, c_hi, c_lo, h, l, l2;
        two_prod(t_hi, r_hi, &b_hi, &b_lo);
        two_prod(t_hi, q_hi, &c_hi, &c_lo);
        double small = ((b_lo + c_lo) + t_lo) + (t_hi * (((r_lo + q_lo) + cubic) + r_hi * r_lo) + t_lo * (r_hi + q_hi));
        two_sum(t_hi, b_hi, &h, &l);
        two_sum(h, c_hi, &h, &l2);
        l = (l + l2) + small;
        two_sum(h, l, &h, &l);
        int exact = decided(h, l, h * 0x1p-72);
        out[i] = h * scale;
        ok[i] = (unsigned char)(valid & exact);
    }
}

/* ---- stage 2, one element ------------------------------------------------ */

/* log|x| by logl; 1 where Python must redo it exactly. */
static int log_stage_two(double x, double *out)
{
    double magnitude = fabs(x);
    if (isnan(x)) {
        *out = NAN; /* as the fallback's out[nan] = np.nan */
        return 0;
    }
    long double estimate = logl((long double)magnitude);
    double near = (double)estimate;
    *out = near;
    return magnitude > 0.0 && magnitude < INFINITY && ld_undecided(estimate, near);
}

static int exp_stage_two(double x, double *out)
{
    if (x > 710.0 || x < -746.0) { /* far out of range, as expl rounds it */
        *out = x > 0.0 ? INFINITY : 0.0;
        return 0;
    }
    long double estimate = expl((long double)x);
    double near = (double)estimate;
    *out = near;
    return x > -745.2 && x < 709.79 && ld_undecided(estimate, near);
}

/* ---- float_of_log's pre-filter -------------------------------------------- */

/* 10**k for k in [-POW10_MAX, POW10_MAX], correctly rounded (filled at import
 * from the decimal strings by strtod, which rounds correctly on glibc). */
#define POW10_MAX 330
static double POW10[2 * POW10_MAX + 1];

static void fill_powers_of_ten(void)
{
    char text[16];
    for (int k = -POW10_MAX; k <= POW10_MAX; k++) {
        snprintf(text, sizeof text, "1e%d", k);
        POW10[k + POW10_MAX] = strtod(text, NULL);
    }
}

static inline double spacing(double v) /* np.spacing for finite v >= 0 */
{
    return double_of(bits_of(v) + 1) - v;
}

/* An integer-valued double |v| < 2**51 as an index into POW10 (+ POW10_MAX). */
static inline uint64_t power_index(double v)
{
    return bits_of(v + 0x1.8p52) - 0x4338000000000000ULL + POW10_MAX;
}

/* The twin of the vector test in _conversions.float_of_log: whether y, the
 * correctly rounded e**log, lies within reach of a 12-digit decimal whose
 * log could round to log (subnormal y: always). The relative distance of y
 * to its nearest 12-digit decimal is estimated in float64 as there: y scaled
 * into [1e11, 1e12) by two powers of ten (the exponent of ten from the binary
 * one, corrected against the table), minus the nearest integer. Written
 * without branches, so that it vectorises. Its powers of ten are correctly
 * rounded where numpy's np.power may be an ulp off, so the two estimates can
 * differ by an ulp or so: that decides only elements within a few eps of
 * the reach, which float_of_log's margin (4 eps) leaves without a decimal
 * that reads back, so no result changes (the tests compare them). */
CLONES static void decimal_candidates(const double *restrict logs, const double *restrict ys, npy_bool *restrict out,
                                      npy_intp n)
{
    const double shifter = 0x1.8p52; /* adding and subtracting it rounds to an integer */
    for (npy_intp i = 0; i < n; i++) {
        double y = ys[i];
        int subnormal = (y > 0.0) & (y < DBL_MIN);
        int normal = (y >= DBL_MIN) & (y < INFINITY);
        double yv = choose(normal, y, 1.0);
        double binary = (double_of(0x4330000000000000ULL | (bits_of(yv) >> 52)) - 0x1p52) - 1023.0;
        /* within 1 of floor(log10(y)) */
        double guess = (binary * 0.30102999566398120 + shifter) - shifter;
        double up = (double)(yv >= POW10[power_index(guess + 1.0)]);
        double down = (double)(yv < POW10[power_index(guess)]);
        double exponent = guess + up - down;
        double shift = 11.0 - exponent;
        double half = (shift * 0.5 - 0.25 + shifter) - shifter; /* floor(shift / 2) */
        double scaled = yv * POW10[power_index(half)] * POW10[power_index(shift - half)];
        scaled = choose(scaled >= 1e12, scaled / 10.0, scaled);
        scaled = choose(scaled < 1e11, scaled * 10.0, scaled);
        double nearest = (scaled + 0x1p52) - 0x1p52; /* scaled < 2**52 */
        double distance = fabs(scaled - nearest) / scaled;
        double reach = 0.505 * spacing(fabs(logs[i])) + 0.5 * spacing(yv) / yv + 4 * DBL_EPSILON;
        out[i] = (npy_bool)((normal & (distance <= reach)) | subnormal);
    }
}

/* ---- the module --------------------------------------------------------- */

/* A growing list of flagged indices. */
typedef struct {
    npy_intp *items;
    npy_intp size, capacity;
} IndexList;

static int index_list_add(IndexList *list, npy_intp index)
{
    if (list->size == list->capacity) {
        npy_intp capacity = list->capacity ? 2 * list->capacity : 64;
        npy_intp *items = PyMem_RawRealloc(list->items, (size_t)capacity * sizeof(npy_intp));
        if (items == NULL)
            return -1;
        list->items = items;
        list->capacity = capacity;
    }
    list->items[list->size++] = index;
    return 0;
}

/* (out, flagged indices) for a 1-D contiguous float64 or float32 array. */
static PyObject *convert(PyObject *arg, void (*stage_one)(const double *, double *, unsigned char *, npy_intp),
                         int (*stage_two)(double, double *), int allow_float32, const char *name)
{
    if (!PyArray_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s: expected an ndarray", name);
        return NULL;
    }
    PyArrayObject *in = (PyArrayObject *)arg;
    int type = PyArray_TYPE(in);
    if (PyArray_NDIM(in) != 1 || !PyArray_IS_C_CONTIGUOUS(in) || PyArray_ISBYTESWAPPED(in) ||
        !(type == NPY_FLOAT64 || (allow_float32 && type == NPY_FLOAT32))) {
        PyErr_Format(PyExc_TypeError, "%s: expected a 1-D contiguous native float64%s array", name,
                     allow_float32 ? " or float32" : "");
        return NULL;
    }
    npy_intp n = PyArray_DIM(in, 0);
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_FLOAT64);
    if (out == NULL)
        return NULL;
    double *dst = (double *)PyArray_DATA(out);
    IndexList flagged = {NULL, 0, 0};
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    double converted[CHUNK];
    unsigned char ok[CHUNK];
    for (npy_intp start = 0; start < n && !failed; start += CHUNK) {
        npy_intp size = n - start < CHUNK ? n - start : CHUNK;
        const double *src;
        if (type == NPY_FLOAT64) {
            src = (const double *)PyArray_DATA(in) + start;
        } else {
            const float *narrow = (const float *)PyArray_DATA(in) + start;
            for (npy_intp i = 0; i < size; i++)
                converted[i] = (double)narrow[i]; /* exact */
            src = converted;
        }
        stage_one(src, dst + start, ok, size);
        for (npy_intp i = 0; i < size; i++)
            if (!ok[i] && stage_two(src[i], &dst[start + i]) && index_list_add(&flagged, start + i) < 0) {
                failed = 1;
                break;
            }
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyMem_RawFree(flagged.items);
        Py_DECREF(out);
        return PyErr_NoMemory();
    }
    npy_intp count = flagged.size;
    PyArrayObject *indices = (PyArrayObject *)PyArray_SimpleNew(1, &count, NPY_INTP);
    if (indices == NULL) {
        PyMem_RawFree(flagged.items);
        Py_DECREF(out);
        return NULL;
    }
    if (count)
        memcpy(PyArray_DATA(indices), flagged.items, (size_t)count * sizeof(npy_intp));
    PyMem_RawFree(flagged.items);
    return Py_BuildValue("(NN)", out, indices);
}

static PyObject *c_log_abs(PyObject *self, PyObject *arg)
{
    (void)self;
    return convert(arg, log_stage_one, log_stage_two, 1, "log_abs");
}

static PyObject *c_exp_rounded(PyObject *self, PyObject *arg)
{
    (void)self;
    return convert(arg, exp_stage_one, exp_stage_two, 0, "exp_rounded");
}

static PyObject *c_decimal_candidates(PyObject *self, PyObject *args)
{
    (void)self;
    PyArrayObject *logs, *ys;
    if (!PyArg_ParseTuple(args, "O!O!:decimal_candidates", &PyArray_Type, &logs, &PyArray_Type, &ys))
        return NULL;
    PyArrayObject *both[2] = {logs, ys};
    for (int k = 0; k < 2; k++)
        if (PyArray_NDIM(both[k]) != 1 || !PyArray_IS_C_CONTIGUOUS(both[k]) || PyArray_TYPE(both[k]) != NPY_FLOAT64 ||
            PyArray_ISBYTESWAPPED(both[k])) {
            PyErr_SetString(PyExc_TypeError, "decimal_candidates: expected 1-D contiguous native float64 arrays");
            return NULL;
        }
    npy_intp n = PyArray_DIM(logs, 0);
    if (PyArray_DIM(ys, 0) != n) {
        PyErr_SetString(PyExc_ValueError, "decimal_candidates: logs and ys differ in length");
        return NULL;
    }
    PyArrayObject *out = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_BOOL);
    if (out == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    decimal_candidates((const double *)PyArray_DATA(logs), (const double *)PyArray_DATA(ys),
                       (npy_bool *)PyArray_DATA(out), n);
    Py_END_ALLOW_THREADS
    return (PyObject *)out;
}


/* ---- the shortest decimal that reads back (logspace._text._shortest) ---- */

/* _text._shortest_fast without its exact checks, for logs in (-708, 709):
 * c = e**log from expl, scaled to a 19-digit integer ref within err
 * units (expl trusted to LD_TRUST long double ulps, the correctly rounded
 * power of ten from strtold, one rounding of their product, and the
 * truncation); candidates are the n-digit
 * decimals around ref, n from the first whose grid reaches the round-trip
 * interval (about ulp(log) wide, relative, around c). A candidate nearer to
 * ref than `inside` reads back for certain (its log is nearer to `log` than
 * half the gap to either neighbouring float); one farther than `reach`
 * cannot. Anything in between, or two candidates in the interval whose
 * order err leaves open, returns False: the Python path decides it exactly.
 * Returns (d, q) for the decimal d * 10**q, None when no decimal of at most
 * max_digits (<= 17) digits reads back, False when undecided. */
#define LD_TRUST 16.0
#define REF_DIGITS 19
#define LD_POW10_MAX 340

/* 10**k in long double, correctly rounded (strtold), k in [-340, 340]. */
static long double LD_POW10[2 * LD_POW10_MAX + 1];

static void fill_long_double_powers(void)
{
    char text[16];
    for (int k = -LD_POW10_MAX; k <= LD_POW10_MAX; k++) {
        snprintf(text, sizeof text, "1e%d", k);
        LD_POW10[k + LD_POW10_MAX] = strtold(text, NULL);
    }
}

static PyObject *c_shortest_decimal(PyObject *self, PyObject *args)
{
    (void)self;
    double log;
    int max_digits;
    if (!PyArg_ParseTuple(args, "di:shortest_decimal", &log, &max_digits))
        return NULL;
#if LDBL_MANT_DIG < 64
    Py_RETURN_FALSE;
#else
    if (!(log > -708.0 && log < 709.0) || max_digits < 1)
        Py_RETURN_FALSE;
    long double c = expl((long double)log);
    int e10 = (int)floor(log * 0.43429448190325176); /* the decade, or one off: corrected below */
    long double scaled = 0.0L;
    for (int attempt = 0; attempt < 3; attempt++) {
        int power = REF_DIGITS - 1 - e10;
        if (power < -LD_POW10_MAX || power > LD_POW10_MAX)
            Py_RETURN_FALSE;
        scaled = c * LD_POW10[power + LD_POW10_MAX];
        if (scaled < 1e18L)
            e10 -= 1;
        else if (scaled >= 1e19L)
            e10 += 1;
        else
            break;
    }
    if (!(scaled >= 1e18L && scaled < 1e19L))
        Py_RETURN_FALSE;
    uint64_t ref = (uint64_t)scaled; /* floor */
    double ref_d = (double)ref;
    double trust = (LD_TRUST + 2.0) * (double)LDBL_EPSILON; /* expl, the power's rounding and the product's */
    double err = trust * ref_d + 2.0;
    double ulp_log = nextafter(fabs(log), INFINITY) - fabs(log);
    double reach = 0.5001 * ulp_log * ref_d * (1.0 + 2.0 * trust) + 1.0 + err;
    double half = 0.5 * fmin(log - nextafter(log, -INFINITY), nextafter(log, INFINITY) - log);
    double inside = half * ref_d * (1.0 - 1e-6) - err - 1.0;
    int last = max_digits < 17 ? max_digits : 17;
    uint64_t units[REF_DIGITS + 1];
    units[0] = 1;
    for (int i = 1; i <= REF_DIGITS; i++)
        units[i] = units[i - 1] * 10;
    int first = 1, top = last + 1;
    while (first < top) {
        int mid = (first + top) / 2;
        uint64_t unit = units[REF_DIGITS - mid];
        double rest = (double)(ref % unit);
        if (reach < rest && rest < (double)unit - reach)
            first = mid + 1;
        else
            top = mid;
    }
    for (int n = first; n <= last; n++) {
        uint64_t unit = units[REF_DIGITS - n];
        uint64_t rest = ref % unit;
        uint64_t lo = ref - rest;
        /* candidates lo - unit, lo, lo + unit, lo + 2 unit at distances
           unit + rest, rest, unit - rest, 2 unit - rest from ref */
        double dist[4] = {(double)(unit + rest), (double)rest, (double)(unit - rest), (double)(2 * unit - rest)};
        int64_t cand[4] = {(int64_t)(lo / unit) - 1, (int64_t)(lo / unit), (int64_t)(lo / unit) + 1,
                           (int64_t)(lo / unit) + 2};
        int usable[4] = {(double)rest <= err, 1, 1, (double)(unit - rest) <= err};
        int order[4], count = 0;
        for (int i = 0; i < 4; i++)
            if (usable[i] && dist[i] <= reach)
                order[count++] = i;
        if (count == 0)
            continue;
        for (int i = 1; i < count; i++) /* insertion sort by distance */
            for (int j = i; j > 0 && dist[order[j]] < dist[order[j - 1]]; j--) {
                int t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        int best = order[0];
        if (!(dist[best] < inside))
            Py_RETURN_FALSE; /* whether it reads back needs the exact log */
        for (int i = 1; i < count; i++)
            if (dist[order[i]] - dist[best] <= 2.0 * err)
                Py_RETURN_FALSE; /* a rival about as near: their order is unsure */
        return Py_BuildValue("(Li)", (long long)cand[best], e10 + 1 - n);
    }
    if (last == max_digits)
        Py_RETURN_NONE;
    Py_RETURN_FALSE;
#endif
}

static PyMethodDef methods[] = {
    {"decimal_candidates", c_decimal_candidates, METH_VARARGS,
     "decimal_candidates(logs, ys) -> bool array: float_of_log's pre-filter (which y = e**log\n"
     "may have a 12-digit decimal that reads back), for 1-D contiguous float64 arrays."},
    {"shortest_decimal", c_shortest_decimal, METH_VARARGS,
     "shortest_decimal(log, max_digits) -> (d, q), None or False: the shortest decimal d * 10**q\n"
     "(nearest to e**log among the shortest) whose log rounds to log; None: none of at most\n"
     "max_digits digits; False: undecided here (logspace._text decides it exactly)."},
    {"log_abs", c_log_abs, METH_O,
     "log_abs(values) -> (logs, flagged): log|v| of a 1-D contiguous float64 or float32 array,\n"
     "correctly rounded except at the indices in flagged, which the caller redoes exactly."},
    {"exp_rounded", c_exp_rounded, METH_O,
     "exp_rounded(logs) -> (values, flagged): e**x of a 1-D contiguous float64 array,\n"
     "correctly rounded except at the indices in flagged, which the caller redoes exactly."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "logspace._c_convert",
    "Correctly rounded log|x| and e**x of float buffers (see logspace._conversions).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__c_convert(void)
{
    import_array();
    fill_powers_of_ten();
    fill_long_double_powers();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddIntConstant(m, "LONG_DOUBLE_MANT_DIG", LDBL_MANT_DIG) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
