"""Online citizen reception (tiếp công dân trực tuyến, Law 136/2025/QH15 from 1 July 2026):
schedules of a ward or the city bounded by the working calendar, bookings by citizens, the
reception itself (video link, officers, identity check, record, evidence) and its outcome."""
