from shared.service import main
from services.liaison.service import definition

main(definition())
