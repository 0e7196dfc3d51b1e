"""The fixed list of realistic queries every benchmark uses (Arabic and English, a few with syntax)."""

QUERIES: list[str] = [
    # Arabic: places, people, organisations, topics — as researchers type them
    "الرياض", "جدة", "مكة المكرمة", "المدينة المنورة", "اليمن", "الحوثي", "إيران", "الاتفاق النووي",
    "داعش", "الإرهاب", "الملك سلمان", "ولي العهد", "وزارة الصحة", "كورونا", "فيروس", "أسعار النفط",
    "أرامكو", "أوبك", "البطالة", "العقار", "الإسكان", "سوق الأسهم", "الهلال", "النصر", "كرة القدم",
    "المنتخب", "الحج", "العمرة", "رمضان", "عيد الفطر", "التعليم", "الجامعة", "الطقس", "الأمطار",
    "حادث مروري", "المرور", "الدفاع المدني", "الشرطة", "المحكمة", "الفساد", "مجلس الشورى",
    "التحالف العربي", "عاصفة الحزم", "الأمم المتحدة", "سوريا", "العراق", "مصر", "تركيا",
    "\"وزارة التعليم\"", "النفط -إيران", "الهلال OR النصر",
    # English
    "Riyadh", "oil prices", "Yemen", "Iran nuclear deal", "football", "Saudi Aramco", "Hajj",
    "unemployment", "Islamic State", "\"Ministry of Health\"",
]
