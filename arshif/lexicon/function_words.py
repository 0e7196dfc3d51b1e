"""Function words of English and Arabic: question words, auxiliaries, pronouns, prepositions.

They carry no topic, so neither the aligner (:mod:`arshif.lexicon.build`) nor
query translation (:mod:`arshif.crosslingual`) translates them: "Which team
played…" is searched as team + played. Written for Arshif.
"""

from __future__ import annotations

EN_FUNCTION = set("""a an the of to in on at by for from with about as into onto over under between through during
before after than then and or but nor not no yes is are was were be been being am do does did done doing have has had
having will would shall should can could may might must it its it's this that these those there here what which who
whom whose when where why how i me my mine you your yours he him his she her hers we us our ours they them their
theirs one ones some any all each every other another such very too also just only so if whether because while
until up down out off again once more most much many few less least own same both either neither s t don didn
doesn isn aren wasn weren won't can't cannot let let's get got go going went gone come came say said tell told""".split())
AR_FUNCTION = set("""في من على الى إلى عن مع هذا هذه ذلك تلك هو هي هم هن انا أنا انت أنت نحن ما ماذا متى اين أين كيف
كم لماذا هل لا لم لن قد كان كانت يكون تكون الذي التي الذين اللذين اللتين ان أن إن او أو ثم بل لكن حتى اذا إذا كل بعض
غير بين عند عندما لدى له لها لهم به بها بهم فيه فيها منه منها عنه عنها عليه عليها هناك هنا ذلك كذلك أيضا ايضا يا
أي اي نعم ليس ليست وما ومن وفي ماهو ماهي التى الذى اى الي علي""".split())

def _normalise(word: str) -> str:
    table = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه", "ؤ": "و", "ئ": "ي"})
    return word.translate(table)


#: The Arabic list as the exact analyzer writes it (أ/إ → ا, ى → ي, ة → ه).
AR_FUNCTION_NORM = frozenset(_normalise(w) for w in AR_FUNCTION)
