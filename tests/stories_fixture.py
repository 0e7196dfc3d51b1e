"""Articles written for the story tests (fictional events, CC0 like demo/): copies, a cross-language pair, decoys.

* ``port-en`` / ``port-ar``: one (invented) story told in English and in Arabic, no translation stored.
* ``rain-okaz`` / ``rain-alriyadh`` / ``rain-alweeam``: one wire report and two republished copies
  (a changed title, a dropped sentence, an added line, different sources and dates).
* ``airport-en`` and ``clinic-ar``: other stories on nearby topics (ports, Jeddah, numbers), which must
  stay apart.
"""

from __future__ import annotations

from datetime import date

from arshif.model import Article

PORT_EN = Article(
    id="port-en", language="en", source="Gulf Ledger", published=date(2025, 3, 4),
    url="https://example.org/en/port-reopens",
    title="Jeddah Islamic Port reopens after sandstorm halts 14 ships",
    body=("Jeddah Islamic Port reopened on Tuesday after a sandstorm kept 14 ships at anchor for 36 hours, "
          "the Saudi Ports Authority said.\n"
          "Captain Khalid Al-Harbi, the harbour master, said crews had cleared 2,400 containers by the evening "
          "and that the backlog would be gone by Thursday.\n"
          "The storm also closed the coastal road to Rabigh, where the civil defence reported 7 minor accidents.\n"
          "Mawani, the ports authority, said the terminal operator had moved 180 workers to night shifts.\n"
          "Traders in Jeddah said the delay had raised the price of imported rice for two days."),
)
PORT_AR = Article(
    id="port-ar", language="ar", source="صحيفة الساحل", published=date(2025, 3, 4),
    url="https://example.org/ar/port-reopens",
    title="ميناء جدة الإسلامي يستأنف العمل بعد عاصفة رملية أوقفت 14 سفينة",
    body=("استأنف ميناء جدة الإسلامي العمل يوم الثلاثاء بعد أن أبقت عاصفة رملية 14 سفينة راسية لمدة 36 ساعة، "
          "بحسب الهيئة العامة للموانئ.\n"
          "وقال القبطان خالد الحربي، مدير الميناء، إن الطواقم أنجزت مناولة 2400 حاوية بحلول المساء "
          "وإن التكدس سينتهي يوم الخميس.\n"
          "وأغلقت العاصفة أيضاً الطريق الساحلي إلى رابغ، حيث سجل الدفاع المدني 7 حوادث بسيطة.\n"
          "وقالت موانئ، الهيئة العامة للموانئ، إن مشغل المحطة نقل 180 عاملاً إلى المناوبات الليلية.\n"
          "وقال تجار في جدة إن التأخير رفع سعر الأرز المستورد لمدة يومين."),
)
AIRPORT_EN = Article(
    id="airport-en", language="en", source="Gulf Ledger", published=date(2025, 3, 5),
    url="https://example.org/en/dammam-airport",
    title="Dammam airport adds a third runway by 2027",
    body=("King Fahd International Airport in Dammam will open a third runway by 2027, the operator said on "
          "Wednesday, at a cost of 1.2 billion riyals.\n"
          "The project will let the airport handle 25 million passengers a year, up from 12 million.\n"
          "Engineer Sara Al-Qahtani, who leads the works, said 600 workers would start in June.\n"
          "Airlines in the Eastern Province have asked for more night slots for flights to Bahrain and Kuwait."),
)
RAIN_OKAZ = Article(
    id="rain-okaz", language="ar", source="okaz", published=date(2025, 11, 2),
    url="https://example.org/okaz/rain",
    title="الأرصاد: أمطار رعدية على مكة المكرمة والباحة حتى الجمعة",
    body=("توقع المركز الوطني للأرصاد هطول أمطار رعدية متوسطة إلى غزيرة على أجزاء من منطقة مكة المكرمة "
          "ومنطقة الباحة اعتباراً من يوم الأربعاء وحتى مساء الجمعة.\n"
          "وأوضح المتحدث الرسمي للمركز أن الأمطار قد تكون مصحوبة برياح نشطة وتساقط للبرد وجريان للسيول "
          "في الأودية، داعياً السكان إلى الابتعاد عن مجاري السيول وعدم المجازفة بعبورها.\n"
          "وأشار إلى أن درجات الحرارة ستنخفض بمعدل أربع إلى ست درجات مئوية على المرتفعات الغربية، "
          "فيما تبقى الأجواء حارة نهاراً على السواحل.\n"
          "وأكد المديرية العامة للدفاع المدني رفع الجاهزية في المحافظات المتأثرة ونشر فرق الإنقاذ "
          "على الطرق السريعة."),
)
RAIN_ALRIYADH = Article(
    id="rain-alriyadh", language="ar", source="alriyadh", published=date(2025, 11, 3),
    url="https://example.org/alriyadh/rain",
    title="أمطار رعدية على مكة المكرمة والباحة حتى الجمعة",
    body=("الرياض - واس\n"
          "توقع المركز الوطني للأرصاد هطول أمطار رعدية متوسطة إلى غزيرة على أجزاء من منطقة مكة المكرمة "
          "ومنطقة الباحة اعتباراً من يوم الأربعاء وحتى مساء الجمعة.\n"
          "وأوضح المتحدث الرسمي للمركز أن الأمطار قد تكون مصحوبة برياح نشطة وتساقط للبرد وجريان للسيول "
          "في الأودية، داعياً السكان إلى الابتعاد عن مجاري السيول وعدم المجازفة بعبورها.\n"
          "وأكد المديرية العامة للدفاع المدني رفع الجاهزية في المحافظات المتأثرة ونشر فرق الإنقاذ "
          "على الطرق السريعة."),
)
RAIN_ALWEEAM = Article(
    id="rain-alweeam", language="ar", source="alweeam", published=date(2025, 11, 2),
    url="https://example.org/alweeam/rain",
    title="«الأرصاد» تتوقع أمطاراً رعدية على مكة والباحة",
    body=("توقع المركز الوطني للأرصاد هطول أمطار رعدية متوسطة إلى غزيرة على أجزاء من منطقة مكة المكرمة "
          "ومنطقة الباحة اعتباراً من يوم الأربعاء وحتى مساء الجمعة.\n"
          "وأوضح المتحدث الرسمي للمركز أن الأمطار قد تكون مصحوبة برياح نشطة وتساقط للبرد وجريان للسيول "
          "في الأودية، داعياً السكان إلى الابتعاد عن مجاري السيول وعدم المجازفة بعبورها.\n"
          "وأشار إلى أن درجات الحرارة ستنخفض بمعدل أربع إلى ست درجات مئوية على المرتفعات الغربية، "
          "فيما تبقى الأجواء حارة نهاراً على السواحل."),
)
CLINIC_AR = Article(
    id="clinic-ar", language="ar", source="okaz", published=date(2025, 11, 2),
    url="https://example.org/okaz/clinic",
    title="افتتاح مركز صحي جديد في جدة يخدم 40 ألف نسمة",
    body=("افتتحت وزارة الصحة مركزاً صحياً جديداً في حي السلامة بمحافظة جدة يخدم نحو 40 ألف نسمة.\n"
          "ويضم المركز عيادات للأسرة وطب الأسنان ومختبراً وصيدلية، ويعمل على فترتين صباحية ومسائية.\n"
          "وقال مدير الشؤون الصحية إن المركز يأتي ضمن خطة لافتتاح 12 مركزاً في المنطقة خلال العام الجاري."),
)

ALL = [PORT_EN, AIRPORT_EN, RAIN_OKAZ, CLINIC_AR, PORT_AR, RAIN_ALRIYADH, RAIN_ALWEEAM]


def fresh() -> list[Article]:
    """New copies of the fixture articles (ingest fills in fields such as story_id)."""
    return [a.model_copy(deep=True) for a in ALL]
